"""Byte streams under the readers: a peekable stream, gzip decompression, an .npz archive member.

Each wrapper turns the ways its stream can fail into a one-line InputError naming the file.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zipfile
import zlib
from typing import IO, Any

from nncli.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


class PeekableStream(io.RawIOBase):
    """A binary stream whose first bytes can be looked at without consuming them.

    ``position`` counts the bytes read so far (peeking does not count).

    Why not ``io.BufferedReader.peek``: it does at most one read of the raw stream and
    returns what is buffered, so on a pipe it may return part of the first line (a writer
    that sends ``[1, `` and then ``2]\\n`` shows only ``[1, ``), and it never returns more
    than its buffer. Sniffing needs the whole first line (a JSON row tells jsonl from json),
    and must not wait for more than that line (rows are processed as they arrive), so this
    class reads on until the newline and keeps what it saw for the reader.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self.raw = raw
        self._head = b""
        self.position = 0

    def peek(self, n: int) -> bytes:
        """Up to n bytes from the current position (fewer only at the end of the stream)."""
        while len(self._head) < n:
            more = self.raw.read(n - len(self._head))
            if not more:
                break
            self._head += more
        return self._head[:n]

    def peek_head(self) -> bytes:
        """Enough first bytes to recognise a format: the first line, or at least 8 bytes."""
        head = self.peek_line(1 << 20)
        if len(head) < 8 and not head.endswith(b"\n"):
            head = self.peek(8)
        return head

    def peek_line(self, limit: int = 64 * 1024) -> bytes:
        """The bytes up to the first newline (or ``limit`` bytes, or the end), without waiting for more."""
        return self.peek_line_after(0, limit)

    def peek_line_after(self, offset: int, limit: int = 64 * 1024) -> bytes:
        """The bytes up to the first newline at or after ``offset`` (or ``limit`` bytes, or the end)."""
        read1 = getattr(self.raw, "read1", None)
        while b"\n" not in self._head[offset:] and len(self._head) < limit:
            more = read1(4096) if read1 is not None else self.raw.read(4096)
            if not more:
                break
            self._head += more
        end = self._head.find(b"\n", offset)
        return self._head[: limit if end < 0 else min(end + 1, limit)]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
        else:  # readinto1: what a pipe has now, rather than waiting until the buffer is full
            readinto = getattr(self.raw, "readinto1", None) or self.raw.readinto  # type: ignore[attr-defined]
            n = readinto(view) or 0
        self.position += n
        return n

    def read_exact_into(self, buffer: Any) -> int:
        """Fill ``buffer`` unless the stream ends first; the number of bytes read."""
        view = memoryview(buffer).cast("B")
        total = 0
        while total < len(view):
            got = self.readinto(view[total:])
            if not got:
                break
            total += got
        return total

    def read_exact(self, n: int) -> bytes:
        """n bytes, or fewer only when the stream ends first."""
        buf = bytearray(n)
        got = self.read_exact_into(buf)
        return bytes(buf[:got])

    def skip(self, n: int) -> int:
        """Read and drop up to n bytes (seeking when the stream can); the number skipped."""
        skipped = 0
        if self._head:
            skipped = min(n, len(self._head))
            self._head = self._head[skipped:]
        if skipped < n and seekable(self.raw):
            here = self.raw.tell()
            end = self.raw.seek(0, io.SEEK_END)
            target = min(here + n - skipped, end)
            self.raw.seek(target)
            skipped += target - here
        else:
            chunk = bytearray(min(max(n - skipped, 1), 1 << 20))
            while skipped < n:
                got = self.raw.readinto(memoryview(chunk)[: min(len(chunk), n - skipped)])  # type: ignore[attr-defined]
                if not got:
                    break
                skipped += got
        self.position += skipped
        return skipped

    def size(self) -> int | None:
        """The total size of a plain file behind this stream (None for pipes and compressed data)."""
        if isinstance(self.raw, io.BufferedReader) and seekable(self.raw):
            try:
                return os.fstat(self.raw.fileno()).st_size
            except (OSError, ValueError):
                return None
        return None

    def close(self) -> None:
        if not self.closed and self.raw is not getattr(sys.stdin, "buffer", None):
            self.raw.close()
        super().close()


def seekable(stream: Any) -> bool:
    """Whether ``stream`` can seek (False for pipes, and for objects without ``seekable``)."""
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def gunzipped(stream: PeekableStream, name: str) -> PeekableStream:
    """``stream`` itself, or its decompressed content when it starts with gzip's magic bytes."""
    if stream.peek(2) == GZIP_MAGIC:
        return PeekableStream(GzipStream(stream, name))
    return stream


class GzipStream(io.RawIOBase):
    """gzip decompression of a stream, with truncation and corruption as InputError."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        super().__init__()
        self.name = name
        self._raw = raw
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return self._gz.readinto(buffer)
        except EOFError:
            raise InputError(f"{self.name}: truncated gzip data (the compressed file ends too early)") from None
        except (zlib.error, OSError) as err:  # gzip.BadGzipFile is an OSError
            raise InputError(f"{self.name}: corrupt gzip data ({err})") from None

    def close(self) -> None:
        if not self.closed:
            self._gz.close()
            self._raw.close()
        super().close()


class ZipMemberStream(io.RawIOBase):
    """A zip member stream whose CRC or decompression errors become InputError."""

    def __init__(self, member: IO[bytes], name: str) -> None:
        super().__init__()
        self._member = member
        self.name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return self._member.readinto(buffer)  # type: ignore[attr-defined]
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
            raise InputError(f"{self.name}: corrupt archive member ({one_line(err)})") from None

    def close(self) -> None:
        if not self.closed:
            self._member.close()
        super().close()


def one_line(err: BaseException) -> str:
    """An exception's message on one line (its type name when it has none)."""
    return " ".join(str(err).split()) or type(err).__name__
