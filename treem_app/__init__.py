"""treem: cleaning children's records for the Đề án 06 campaign."""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask

from .config import PROJECT_ROOT, from_environment


def create_app(config: Mapping | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, CLI, error handlers.

    Templates and static files live at the project root (see README: treem runs from an
    editable install).
    """
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=os.environ.get("TREEM_INSTANCE") or str(PROJECT_ROOT / "instance"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)

    app.logger.setLevel(app.config["TREEM_LOG_LEVEL"])

    from . import database, web
    from .extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    web.init_app(app)
    if app.config.get("TREEM_TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = int(app.config["TREEM_TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return app
