"""Start an RQ worker for treem's queues.

    python worker.py            # serve the queues until stopped
    python worker.py --burst    # run what is queued, then exit (tests, cron-style runs)

The app is built once and its context pushed; the database pool is disposed before RQ forks
a work horse, so no two processes share a pooled connection.
"""

from __future__ import annotations

import argparse
import logging

from rq import Worker

from treem_app import create_app
from treem_app.extensions import db
from treem_app.queue import QUEUES, recover_interrupted, redis_connection, requeue_pending


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--queues", nargs="*", default=list(QUEUES))
    parser.add_argument("--with-scheduler", action="store_true")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app()
    with app.app_context():
        connection = redis_connection()
        # Jobs recorded while Redis was down are put back on their queues; jobs a killed worker
        # left "running" are marked interrupted, to be run again from their page.
        requeue_pending()
        recover_interrupted()
        db.session.remove()
        db.engine.dispose()
        worker = Worker(args.queues, connection=connection)
        worker.work(burst=args.burst, with_scheduler=args.with_scheduler)


if __name__ == "__main__":
    main()
