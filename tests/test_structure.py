"""The package's shape: layers import only downwards, modules stay small, private names stay
private. Read from the source with ``ast`` (nothing is imported)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "treem_app"
MAX_LINES = 600

# Lower layers never import higher ones. Infrastructure (config, extensions, database) sits
# under the models; the domain stands alone (pure Python: no Flask, no SQLAlchemy, no I/O).
RANKS = {
    "domain": 0,
    "config": 1,
    "extensions": 1,
    "database": 1,
    "clock": 1,
    "models": 2,
    "files": 3,
    "services": 4,
    "queue": 4,
    "synthetic": 4,
    "demo": 4,
    "web": 5,
    "jobs": 6,
    "cli": 6,
    "cli_backup": 6,
    "cli_counts": 6,
    "cron": 6,
    "run": 6,
    "": 6,  # the package itself: create_app wires everything
}


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out.append((name, path))
    return out


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(module: str, path: Path):
    """(target module, imported names, line) of every import of treem_app in a module."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "treem_app" or target.startswith("treem_app."):
                yield target, [a.name for a in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("treem_app"):
                    yield alias.name, [], node.lineno


MODULES = modules()


def test_layers_import_only_downwards():
    upward = []
    for module, path in MODULES:
        for target, names, line in imports(module, path):
            # `from ..services import review` names a module of the layer, not the package.
            targets = [f"{target}.{n}" for n in names] if target == "treem_app" else [target]
            for t in targets:
                if RANKS.get(layer(t), RANKS[""]) > RANKS[layer(module)]:
                    upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {t}")
    assert upward == []


def test_the_domain_is_plain_python():
    for module, path in MODULES:
        if layer(module) != "domain":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in ("flask", "sqlalchemy", "werkzeug", "rq"), path


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_no_module_is_over_600_lines(module, path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module}: {lines} lines"


def test_no_private_name_is_imported_from_another_module():
    private = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name} from {target}"
        for module, path in MODULES
        for target, names, line in imports(module, path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert private == []


def test_no_noqa_silences_a_rule_the_project_does_not_enable():
    enabled = ("B", "E", "F", "I", "UP", "W", "S")
    marker = "# " + "noqa"
    stray = []
    for path in [p for _, p in MODULES] + sorted((PACKAGE.parent / "tests").rglob("*.py")):
        for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if marker not in text:
                continue
            codes = text.split(marker, 1)[1].lstrip(":").split("-")[0].replace(",", " ").split()
            if not codes or any(not c.startswith(enabled) or not c[-1].isdigit() for c in codes):
                stray.append(f"{path.relative_to(PACKAGE.parent)}:{n}")
    assert stray == []
