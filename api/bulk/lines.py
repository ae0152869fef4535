"""Splitting a streamed NDJSON body into numbered lines, in constant memory."""

from dataclasses import dataclass, field

MAX_LINE_BYTES = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Line:
    """One non-blank line of the file; `text` is None when the line was too long to keep."""

    number: int
    text: bytes | None


@dataclass
class LineSplitter:
    """Cuts byte chunks into lines; a line over `max_line_bytes` is dropped, not buffered.

    Line numbers count every line of the file, blank ones included, so that they match
    what an editor shows; blank lines themselves are skipped.
    """

    max_line_bytes: int = MAX_LINE_BYTES
    bytes_read: int = 0
    _buffer: bytearray = field(default_factory=bytearray)
    _number: int = 0
    _overlong: bool = False

    def feed(self, chunk: bytes) -> list[Line]:
        """The lines that `chunk` completes."""
        self.bytes_read += len(chunk)
        pieces = chunk.split(b"\n")
        lines: list[Line] = []
        for piece in pieces[:-1]:
            self._extend(piece)
            self._finish(lines)
        self._extend(pieces[-1])
        return lines

    def close(self) -> list[Line]:
        """The last line, when the file does not end with a newline."""
        lines: list[Line] = []
        if self._buffer or self._overlong:
            self._finish(lines)
        return lines

    def _extend(self, piece: bytes) -> None:
        if self._overlong:
            return
        if len(self._buffer) + len(piece) > self.max_line_bytes:
            self._overlong = True
            self._buffer.clear()
            return
        self._buffer += piece

    def _finish(self, lines: list[Line]) -> None:
        self._number += 1
        if self._overlong:
            lines.append(Line(self._number, None))
        else:
            text = bytes(self._buffer)
            if self._number == 1:
                text = text.removeprefix(_BOM)
            if text.strip():
                lines.append(Line(self._number, text.removesuffix(b"\r")))
        self._buffer.clear()
        self._overlong = False
