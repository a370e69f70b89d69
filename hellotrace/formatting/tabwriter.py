"""Elastic tabstops as docker/cli's copy of Go's ``text/tabwriter`` lays them out.

``docker ps`` pipes its table through ``tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)``: a column is
as wide as its widest cell plus 3 spaces, and at least 10. The subtle parts are reproduced too:
a column only spans consecutive lines that have a cell in it, a line without a tab ends the
current block (so ``table {{.Names}}\\n{{.ID}}\\t…`` aligns line pairs separately), and the last
cell of a line is never padded. Widths count East Asian wide characters as two columns.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


def display_width(text: str) -> int:
    """Terminal columns (go-runewidth's StringWidth, without its emoji tables)."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


@dataclass
class _Cell:
    text: str = ""
    htab: bool = False

    @property
    def width(self) -> int:
        return display_width(self.text)


@dataclass
class TabWriter:
    """Collects text, then ``flush()`` returns it aligned; Docker's settings are the defaults."""

    minwidth: int = 10
    padding: int = 3
    padchar: str = " "
    _lines: list[list[_Cell]] = field(default_factory=lambda: [[]])
    _cell: list[str] = field(default_factory=list)
    _widths: list[int] = field(default_factory=list)
    _out: list[str] = field(default_factory=list)

    def write(self, text: str) -> None:
        """Split text into cells (ended by tab, vertical tab, newline or form feed)."""
        for char in text:
            if char not in "\t\v\n\f":
                self._cell.append(char)
                continue
            cells = self._terminate_cell(char == "\t")
            if char in "\n\f":
                self._lines.append([])
                if char == "\f" or cells == 1:
                    # A one-cell line cannot influence the columns below it: format what we have.
                    self._flush_lines()

    def flush(self) -> str:
        """Format everything written so far and return the whole output."""
        if self._cell:
            self._terminate_cell(False)
        self._flush_lines()
        output, self._out = "".join(self._out), []
        return output

    def _terminate_cell(self, htab: bool) -> int:
        line = self._lines[-1]
        line.append(_Cell("".join(self._cell), htab))
        self._cell = []
        return len(line)

    def _flush_lines(self) -> None:
        self._format(0, len(self._lines))
        self._lines = [[]]
        self._widths = []

    def _format(self, line0: int, line1: int) -> None:
        column = len(self._widths)
        this = line0
        while this < line1:
            line = self._lines[this]
            if column >= len(line) - 1:
                this += 1
                continue
            # This line has a cell in this column: the block runs while the following lines do too.
            self._write_lines(line0, this)
            line0 = this
            width = self.minwidth
            while this < line1:
                line = self._lines[this]
                if column >= len(line) - 1:
                    break
                width = max(width, line[column].width + self.padding)
                this += 1
            self._widths.append(width)
            self._format(line0, this)
            self._widths.pop()
            line0 = this
            this += 1
        self._write_lines(line0, line1)

    def _write_lines(self, line0: int, line1: int) -> None:
        for i in range(line0, line1):
            for j, cell in enumerate(self._lines[i]):
                self._out.append(cell.text)
                if j < len(self._widths):
                    self._out.append(self.padchar * (self._widths[j] - cell.width))
            if i + 1 == len(self._lines):
                self._out.append("".join(self._cell))  # the unfinished last line
            else:
                self._out.append("\n")


def align(text: str) -> str:
    """``text`` laid out the way docker/cli's table writer prints it."""
    writer = TabWriter()
    writer.write(text)
    return writer.flush()
