"""Files treem keeps (uploads, documents): written whole or not at all, named by content."""

from __future__ import annotations

import hashlib
from pathlib import Path


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a ".part" file renamed over it: a half-written file is
    never left under the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def keep_by_digest(folder: Path, data: bytes, extension: str) -> tuple[Path, str]:
    """Keep ``data`` in ``folder`` under its SHA-256 (the same content once); (path, digest)."""
    digest = hashlib.sha256(data).hexdigest()
    path = Path(folder) / f"{digest}.{extension}"
    if not path.exists():
        write_whole(path, data)
    return path, digest
