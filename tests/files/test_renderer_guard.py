"""Forked PDF renderers die with the process that forked them and are held to a memory limit
(issue 19: a worker killed with SIGKILL left its renderers running, 5.7 GB each)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PARENT = textwrap.dedent(
    """
    import os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context
    from treem_app.files.batch_pdf import renderer_guard

    def work(_):
        os.write(1, f"{os.getpid()}\\n".encode())  # one write: the two lines never interleave
        time.sleep(120)

    pool = ProcessPoolExecutor(2, mp_context=get_context("fork"), initializer=renderer_guard,
                               initargs=(os.getpid(), 0))
    futures = [pool.submit(work, i) for i in range(2)]
    time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead: its parent (init) has not reaped it yet.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def test_renderers_die_when_their_parent_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        children = [int(parent.stdout.readline()) for _ in range(2)]
        assert all(_alive(pid) for pid in children)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in children), "a renderer outlived its parent"
    finally:
        parent.kill()
        parent.wait(timeout=10)
        parent.stdout.close()


def test_a_renderer_is_held_to_its_memory_limit():
    code = textwrap.dedent(
        """
        import os
        from treem_app.files.batch_pdf import renderer_guard
        renderer_guard(os.getppid(), 1024)
        try:
            block = bytearray(2 * 1024 * 1024 * 1024)
        except MemoryError:
            print("refused")
        else:
            print("allowed", len(block))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.stdout.strip() == "refused", done.stdout + done.stderr
