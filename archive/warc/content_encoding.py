"""The HTTP ``Content-Encoding`` of a stored body, removed: streaming, with a size limit.

A WARC keeps a response body as it was sent (``gzip`` when the server compressed it); the
archive's rows hash and extract the body as the crawler read it, with that encoding removed.
:class:`Decoder` turns the stored bytes into those, chunk by chunk, never holding more than
``limit`` decoded bytes in total, so a gzip bomb costs at most ``limit`` bytes of work.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

#: Most decoded bytes one body may have (a larger one is refused, not decoded).
DEFAULT_LIMIT = 1 << 30
_STEP = 1 << 20  # decoded bytes per zlib call: bounds memory on very compressible data


class DecodeError(ValueError):
    """The body is not valid for its Content-Encoding, uses an unknown one, or decodes past the limit."""


def encodings(header: str | None) -> list[str]:
    """The codings of a ``Content-Encoding`` value, in the order they were applied (identity dropped)."""
    out = []
    for part in (header or "").split(","):
        coding = part.strip().lower()
        if coding and coding != "identity":
            out.append("gzip" if coding == "x-gzip" else coding)
    return out


class _Zlib:
    def __init__(self, coding: str):
        self.coding = coding
        wbits = zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS
        self.d = zlib.decompressobj(wbits)
        self.started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self.started and data and self.coding == "deflate" and (data[0] & 0x0F) != 8:
            self.d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
        self.started = self.started or bool(data)
        while data:
            if self.d.eof:
                return  # bytes after the end of the stream are ignored, as browsers do
            out = self.d.decompress(data, _STEP)
            data = self.d.unconsumed_tail
            if out:
                yield out
            elif not data:
                return
        while not self.d.eof:  # drain what zlib holds back when an output step was full
            out = self.d.decompress(b"", _STEP)
            if not out:
                return
            yield out

    def finish(self) -> Iterator[bytes]:
        if self.started and not self.d.eof:
            raise DecodeError(f"{self.coding} body ends before its end of stream")
        return iter(())


class _Brotli:
    def __init__(self):
        import brotli  # installed with Scrapy's extras

        self.d = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:  # Brotli / brotlicffi name the same call differently
            yield (self.d.process if hasattr(self.d, "process") else self.d.decompress)(data)

    def finish(self) -> Iterator[bytes]:
        if hasattr(self.d, "is_finished"):
            if not self.d.is_finished():
                raise DecodeError("br body ends before its end of stream")
        else:
            self.d.finish()  # raises when the stream is incomplete
        return iter(())


def _stage(coding: str):
    if coding in ("gzip", "deflate"):
        return _Zlib(coding)
    if coding == "br":
        return _Brotli()
    raise DecodeError(f"unknown Content-Encoding {coding!r}")


class Decoder:
    """Removes the codings of ``content_encoding`` from a body fed in chunks."""

    def __init__(self, content_encoding: str | None, limit: int = DEFAULT_LIMIT):
        self.stages = [_stage(c) for c in reversed(encodings(content_encoding))]
        self.limit = limit
        self.size = 0

    @property
    def identity(self) -> bool:
        return not self.stages

    def _through(self, chunks: Iterable[bytes], stages) -> Iterator[bytes]:
        if not stages:
            yield from chunks
            return
        first, rest = stages[0], stages[1:]

        def produced():
            for chunk in chunks:
                yield from first.feed(chunk)
            yield from first.finish()

        yield from self._through(produced(), rest)

    def _count(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.size += len(chunk)
            if self.size > self.limit:
                raise DecodeError(f"body decodes to more than {self.limit} bytes")
            yield chunk

    def decode_chunks(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The decoded body of ``chunks`` (the stored body, in order), chunk by chunk."""
        try:
            yield from self._count(self._through(chunks, self.stages))
        except zlib.error as exc:
            raise DecodeError(f"corrupt compressed body ({exc})") from None
        except DecodeError:
            raise
        except Exception as exc:  # brotli.error and friends
            raise DecodeError(f"corrupt compressed body ({type(exc).__name__}: {exc})") from None


def decode(body: bytes, content_encoding: str | None, limit: int = DEFAULT_LIMIT) -> bytes:
    """``body`` without its Content-Encoding (raises DecodeError)."""
    decoder = Decoder(content_encoding, limit)
    if decoder.identity:
        return body
    return b"".join(decoder.decode_chunks([body]))
