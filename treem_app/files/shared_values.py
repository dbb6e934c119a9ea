"""Values computed by one web process and read by the others (the dashboard's boards): kept as
pickles in a folder of the instance (never a user's upload: only what treem wrote itself), each
with the time it was computed, and a lock per key so that one process computes while the others
wait for its result instead of computing it again."""

from __future__ import annotations

import fcntl
import pickle
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .stored import write_whole

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _load(path: Path) -> tuple[float, object] | None:
    try:
        stamp, value = pickle.loads(path.read_bytes())  # noqa: S301 - written by treem only
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        return None
    return stamp, value


class FolderStore:
    """Pickled (stamp, value) pairs under `folder`, one file per key."""

    def __init__(self, folder: Path | str):
        self.folder = Path(folder)

    def _path(self, key: tuple, suffix: str) -> Path:
        name = _UNSAFE.sub("_", "-".join(str(k) for k in key))
        return self.folder / f"{name}{suffix}"

    def read(self, key: tuple) -> tuple[float, object] | None:
        """The kept (stamp, value) of `key`; None when there is none or it cannot be read."""
        return _load(self._path(key, ".pickle"))

    def write(self, key: tuple, stamp: float, value: object) -> None:
        write_whole(self._path(key, ".pickle"), pickle.dumps((stamp, value), protocol=5))

    def forget_older(self, stamp: float, locks_before: float) -> None:
        """Remove the values computed before `stamp`, and the lock files last used before
        `locks_before` (a wall-clock time: a day's keys are not asked for the next day)."""
        for path in self.folder.glob("*.pickle"):
            found = _load(path)
            if found is None or found[0] < stamp:
                path.unlink(missing_ok=True)
        for path in self.folder.glob("*.lock"):
            try:
                if path.stat().st_mtime < locks_before:
                    path.unlink(missing_ok=True)
            except OSError:
                pass

    @contextmanager
    def lock(self, key: tuple) -> Iterator[None]:
        """Hold the key's lock (across processes) while the block runs."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self._path(key, ".lock"), "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
