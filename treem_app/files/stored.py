"""Files treem keeps (uploads, documents): written whole or not at all, named by content."""

from __future__ import annotations

import errno
import hashlib
from pathlib import Path

NO_SPACE = (
    "Máy chủ đã hết chỗ lưu tệp (thư mục lưu tệp đã đầy), nên tệp chưa được nhận và chưa có gì "
    "được ghi lại. Hãy báo quản trị hệ thống giải phóng chỗ trống rồi tải tệp lên lại."
)
# A full disk, a full quota, a file larger than the process may write.
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageFull(OSError):
    """The files folder could not take the file; nothing of it was left behind."""

    def __init__(self) -> None:
        super().__init__(errno.ENOSPC, NO_SPACE)

    def __str__(self) -> str:
        return NO_SPACE


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a ".part" file renamed over it: a half-written file is
    never left under the final name, nor the ".part" when the write fails. A full disk raises
    StorageFull (Vietnamese message), any other failure its OSError."""
    tmp = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in _FULL:
            raise StorageFull() from exc
        raise


def keep_by_digest(folder: Path, data: bytes, extension: str) -> tuple[Path, str]:
    """Keep ``data`` in ``folder`` under its SHA-256 (the same content once); (path, digest)."""
    digest = hashlib.sha256(data).hexdigest()
    path = Path(folder) / f"{digest}.{extension}"
    if not path.exists():
        write_whole(path, data)
    return path, digest
