"""Where results are written: stdout (``-`` or no path), or a file that appears only once complete.

A regular file is written beside its target and renamed over it, so a reader never sees half an
output and an interrupted run leaves the old file; a FIFO, a device or ``/dev/fd/N`` (a shell's
``>(...)``) is written in place, since renaming over it would replace it with a plain file. A path
that cannot be written is an :class:`OutputError` naming it, never a traceback.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

from replay.errors import OutputError

__all__ = ["output", "write_file", "check_writable", "prepare_folder"]


# A bulk command writes an event of a few KB at a time: with the default 8 KB buffer, a system
# call every other event.
_BUFFER = 1 << 20


class output:  # noqa: N801 - used as a context manager, like open()
    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path in (None, "-") else Path(path)
        self.stream: IO[bytes] | None = None
        self.tmp: str | None = None
        # a regular file (or none yet) is written beside and renamed over; stdout, a FIFO or a
        # device are written in place, what is written there at once and for good
        self.replaces = self.path is not None and not (self.path.exists() and not self.path.is_file())

    def __enter__(self) -> IO[bytes]:
        if self.path is None:
            return sys.stdout.buffer
        try:
            if not self.replaces:
                self.stream = self.path.open("wb")
            else:
                fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
                self.stream = os.fdopen(fd, "wb", buffering=_BUFFER)
        except OSError as exc:
            raise OutputError(_cannot(self.path, exc)) from None
        return self.stream

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.stream is None:
            sys.stdout.flush()
            return
        self.stream.close()
        if self.tmp is None:
            return
        if exc_type is not None:
            os.unlink(self.tmp)
            return
        try:
            os.replace(self.tmp, self.path)
        except OSError as err:
            os.unlink(self.tmp)
            raise OutputError(_cannot(self.path, err)) from None


def write_file(path: str | os.PathLike[str], data: bytes) -> None:
    with output(path) as out:
        out.write(data)


def check_writable(path: str | os.PathLike[str] | None) -> None:
    """Refuse a file path whose folder is missing before any work is done, not after it."""
    if path in (None, "-"):
        return
    folder = Path(path).parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: no folder {folder}")


def prepare_folder(path: str | os.PathLike[str] | None) -> None:
    """Create an output folder (``--save``) before any work is done, or say why it cannot be."""
    if path is None:
        return
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(_cannot(Path(path), exc)) from None


def _cannot(path: Path, exc: OSError) -> str:
    return f"cannot write {path} ({exc.strerror or type(exc).__name__})"
