"""The scanner of Go's ``text/template`` (Go 1.24), with its token boundaries and error texts.

Errors such as ``unclosed action``, ``bad character U+007D '}'`` or ``unterminated quoted string``
come from here; the parser reports them with the line where the faulty token starts. Positions are
character offsets into the template (the executor turns them into Go's byte columns).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from hellotrace.formatting.gofmt import unicode_notation
from hellotrace.protocol.gostrconv import quote


class T(IntEnum):
    """Token types, in Go's order: everything after KEYWORD is a keyword."""

    ERROR = 0
    BOOL = 1
    CHAR = 2
    CHAR_CONSTANT = 3
    COMMENT = 4
    COMPLEX = 5
    ASSIGN = 6
    DECLARE = 7
    EOF = 8
    FIELD = 9
    IDENTIFIER = 10
    LEFT_DELIM = 11
    LEFT_PAREN = 12
    NUMBER = 13
    PIPE = 14
    RAW_STRING = 15
    RIGHT_DELIM = 16
    RIGHT_PAREN = 17
    SPACE = 18
    STRING = 19
    TEXT = 20
    VARIABLE = 21
    KEYWORD = 22
    BLOCK = 23
    BREAK = 24
    CONTINUE = 25
    DOT = 26
    DEFINE = 27
    ELSE = 28
    END = 29
    IF = 30
    NIL = 31
    RANGE = 32
    TEMPLATE = 33
    WITH = 34


KEYWORDS = {
    ".": T.DOT, "block": T.BLOCK, "break": T.BREAK, "continue": T.CONTINUE, "define": T.DEFINE,
    "else": T.ELSE, "end": T.END, "if": T.IF, "range": T.RANGE, "nil": T.NIL, "template": T.TEMPLATE,
    "with": T.WITH,
}

LEFT_DELIM = "{{"
RIGHT_DELIM = "}}"
LEFT_COMMENT = "/*"
RIGHT_COMMENT = "*/"
SPACE_CHARS = " \t\r\n"
TRIM_MARKER_LEN = 2  # the '-' and the space beside it


@dataclass(frozen=True)
class Item:
    """One token: its type, where it starts, its text and the line it starts on."""

    typ: T
    pos: int
    val: str
    line: int

    def __str__(self) -> str:
        """How Go's parser names the token in ``unexpected …`` errors."""
        if self.typ == T.EOF:
            return "EOF"
        if self.typ == T.ERROR:
            return self.val
        if self.typ > T.KEYWORD:
            return f"<{self.val}>"
        if len(self.val.encode()) > 10:
            return quote(self.val[:10]) + "..."
        return quote(self.val)


def is_space(char: str | None) -> bool:
    return char is not None and char in SPACE_CHARS


def is_alphanumeric(char: str | None) -> bool:
    """Go's identifier characters: underscore, Unicode letters and decimal digits."""
    if char is None:
        return False
    category = unicodedata.category(char)
    return char == "_" or category[0] == "L" or category == "Nd"


def _has_left_trim_marker(text: str) -> bool:
    return len(text) >= 2 and text[0] == "-" and is_space(text[1])


def _has_right_trim_marker(text: str) -> bool:
    return len(text) >= 2 and is_space(text[0]) and text[1] == "-"


State = Callable[[], "State | None"]


class Lexer:
    """Hands out tokens one at a time; ``next_item`` runs the state machine until it emits one."""

    def __init__(self, text: str) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.at_eof = False
        self.paren_depth = 0
        self.inside_action = False
        self.item = Item(T.EOF, 0, "EOF", 1)

    # -- helpers ------------------------------------------------------------------------------------

    def _line(self, position: int) -> int:
        return 1 + self.input.count("\n", 0, position)

    def _next(self) -> str | None:
        if self.pos >= len(self.input):
            self.at_eof = True
            return None
        char = self.input[self.pos]
        self.pos += 1
        return char

    def _peek(self) -> str | None:
        char = self._next()
        self._backup()
        return char

    def _backup(self) -> None:
        if not self.at_eof and self.pos > 0:
            self.pos -= 1

    def _this_item(self, typ: T) -> Item:
        item = Item(typ, self.start, self.input[self.start : self.pos], self._line(self.start))
        self.start = self.pos
        return item

    def _emit(self, typ: T) -> None:
        self.item = self._this_item(typ)

    def _emit_item(self, item: Item) -> None:
        self.item = item

    def _ignore(self) -> None:
        self.start = self.pos

    def _accept(self, valid: str) -> bool:
        char = self._next()
        if char is not None and char in valid:
            return True
        self._backup()
        return False

    def _accept_run(self, valid: str) -> None:
        while True:
            char = self._next()
            if char is None or char not in valid:
                break
        self._backup()

    def _errorf(self, message: str) -> None:
        self.item = Item(T.ERROR, self.start, message, self._line(self.start))
        self.start = self.pos = 0
        self.input = ""

    def _at_right_delim(self) -> tuple[bool, bool]:
        """(at a right delimiter, with a trim marker before it)."""
        if _has_right_trim_marker(self.input[self.pos :]) and self.input.startswith(
            RIGHT_DELIM, self.pos + TRIM_MARKER_LEN
        ):
            return True, True
        if self.input.startswith(RIGHT_DELIM, self.pos):
            return True, False
        return False, False

    def _at_terminator(self) -> bool:
        """Whether an identifier may end here (Go requires a space, punctuation or the delimiter)."""
        char = self._peek()
        if char is None or is_space(char) or char in ".,|:)(":
            return True
        return self.input.startswith(RIGHT_DELIM, self.pos)

    # -- the machine --------------------------------------------------------------------------------

    def next_item(self) -> Item:
        self.item = Item(T.EOF, self.pos, "EOF", self._line(self.start))
        state: State | None = self._lex_inside_action if self.inside_action else self._lex_text
        while state is not None:
            state = state()
        return self.item

    def _lex_text(self) -> State | None:
        found = self.input.find(LEFT_DELIM, self.pos)
        if found >= 0:
            if found > self.pos:
                self.pos = found
                trim = 0
                if _has_left_trim_marker(self.input[found + len(LEFT_DELIM) :]):
                    text = self.input[self.start : self.pos]
                    trim = len(text) - len(text.rstrip(SPACE_CHARS))
                self.pos -= trim
                item = self._this_item(T.TEXT)
                self.pos += trim
                self._ignore()
                if item.val:
                    self._emit_item(item)
                    return None
            return self._lex_left_delim
        self.pos = len(self.input)
        self._emit(T.TEXT if self.pos > self.start else T.EOF)
        return None

    def _lex_left_delim(self) -> State | None:
        self.pos += len(LEFT_DELIM)
        after_marker = TRIM_MARKER_LEN if _has_left_trim_marker(self.input[self.pos :]) else 0
        if self.input.startswith(LEFT_COMMENT, self.pos + after_marker):
            self.pos += after_marker
            self._ignore()
            return self._lex_comment
        item = self._this_item(T.LEFT_DELIM)
        self.inside_action = True
        self.pos += after_marker
        self._ignore()
        self.paren_depth = 0
        self._emit_item(item)
        return None

    def _lex_comment(self) -> State | None:
        self.pos += len(LEFT_COMMENT)
        found = self.input.find(RIGHT_COMMENT, self.pos)
        if found < 0:
            self._errorf("unclosed comment")
            return None
        self.pos = found + len(RIGHT_COMMENT)
        delim, trim = self._at_right_delim()
        if not delim:
            self._errorf("comment ends before closing delimiter")
            return None
        if trim:
            self.pos += TRIM_MARKER_LEN
        self.pos += len(RIGHT_DELIM)
        if trim:
            self.pos += len(self.input[self.pos :]) - len(self.input[self.pos :].lstrip(SPACE_CHARS))
        self._ignore()
        return self._lex_text

    def _lex_right_delim(self) -> State | None:
        _, trim = self._at_right_delim()
        if trim:
            self.pos += TRIM_MARKER_LEN
            self._ignore()
        self.pos += len(RIGHT_DELIM)
        item = self._this_item(T.RIGHT_DELIM)
        if trim:
            self.pos += len(self.input[self.pos :]) - len(self.input[self.pos :].lstrip(SPACE_CHARS))
            self._ignore()
        self.inside_action = False
        self._emit_item(item)
        return None

    def _lex_inside_action(self) -> State | None:
        delim, _ = self._at_right_delim()
        if delim:
            if self.paren_depth == 0:
                return self._lex_right_delim
            self._errorf("unclosed left paren")
            return None
        char = self._next()
        simple = {"=": T.ASSIGN, "|": T.PIPE}
        if char is None:
            self._errorf("unclosed action")
        elif is_space(char):
            self._backup()
            return self._lex_space
        elif char in simple:
            self._emit(simple[char])
        elif char == ":":
            if self._next() != "=":
                self._errorf("expected :=")
            else:
                self._emit(T.DECLARE)
        elif char == '"':
            return self._lex_quote
        elif char == "`":
            return self._lex_raw_quote
        elif char == "$":
            return self._lex_variable
        elif char == "'":
            return self._lex_char
        elif char == "." and self.pos < len(self.input) and not "0" <= self.input[self.pos] <= "9":
            return self._lex_field
        elif char in ".+-" or "0" <= char <= "9":
            self._backup()
            return self._lex_number
        elif is_alphanumeric(char):
            self._backup()
            return self._lex_identifier
        elif char == "(":
            self.paren_depth += 1
            self._emit(T.LEFT_PAREN)
        elif char == ")":
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self._errorf("unexpected right paren")
            else:
                self._emit(T.RIGHT_PAREN)
        elif ord(char) < 0x80 and char.isprintable():
            self._emit(T.CHAR)
        else:
            self._errorf(f"unrecognized character in action: {unicode_notation(ord(char), True)}")
        return None

    def _lex_space(self) -> State | None:
        spaces = 0
        while is_space(self._peek()):
            self._next()
            spaces += 1
        # A trim-marked right delimiter starts with a space: leave that space to the delimiter.
        if _has_right_trim_marker(self.input[self.pos - 1 :]) and self.input.startswith(
            RIGHT_DELIM, self.pos - 1 + TRIM_MARKER_LEN
        ):
            self._backup()
            if spaces == 1:
                return self._lex_right_delim
        self._emit(T.SPACE)
        return None

    def _lex_identifier(self) -> State | None:
        while True:
            char = self._next()
            if is_alphanumeric(char):
                continue
            self._backup()
            word = self.input[self.start : self.pos]
            if not self._at_terminator():
                self._errorf(f"bad character {unicode_notation(ord(char), True) if char else 'EOF'}")
            elif word in KEYWORDS and KEYWORDS[word] > T.KEYWORD:
                self._emit(KEYWORDS[word])
            elif word[0] == ".":
                self._emit(T.FIELD)
            elif word in ("true", "false"):
                self._emit(T.BOOL)
            else:
                self._emit(T.IDENTIFIER)
            return None

    def _lex_field(self) -> State | None:
        return self._lex_field_or_variable(T.FIELD)

    def _lex_variable(self) -> State | None:
        if self._at_terminator():
            self._emit(T.VARIABLE)
            return None
        return self._lex_field_or_variable(T.VARIABLE)

    def _lex_field_or_variable(self, typ: T) -> State | None:
        if self._at_terminator():
            self._emit(T.VARIABLE if typ == T.VARIABLE else T.DOT)
            return None
        while True:
            char = self._next()
            if not is_alphanumeric(char):
                self._backup()
                break
        if not self._at_terminator():
            self._errorf(f"bad character {unicode_notation(ord(char), True) if char else 'EOF'}")
            return None
        self._emit(typ)
        return None

    def _lex_char(self) -> State | None:
        return self._lex_escaped_until("'", T.CHAR_CONSTANT, "unterminated character constant")

    def _lex_number(self) -> State | None:
        if not self._scan_number():
            self._errorf(f"bad number syntax: {quote(self.input[self.start : self.pos])}")
            return None
        sign = self._peek()
        if sign is not None and sign in "+-":
            if not self._scan_number() or self.input[self.pos - 1] != "i":
                self._errorf(f"bad number syntax: {quote(self.input[self.start : self.pos])}")
                return None
            self._emit(T.COMPLEX)
            return None
        self._emit(T.NUMBER)
        return None

    def _scan_number(self) -> bool:
        self._accept("+-")
        digits = "0123456789_"
        if self._accept("0"):
            if self._accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self._accept("oO"):
                digits = "01234567_"
            elif self._accept("bB"):
                digits = "01_"
        self._accept_run(digits)
        if self._accept("."):
            self._accept_run(digits)
        if len(digits) == 11 and self._accept("eE"):
            self._accept("+-")
            self._accept_run("0123456789_")
        if len(digits) == 23 and self._accept("pP"):
            self._accept("+-")
            self._accept_run("0123456789_")
        self._accept("i")
        if is_alphanumeric(self._peek()):
            self._next()
            return False
        return True

    def _lex_quote(self) -> State | None:
        return self._lex_escaped_until('"', T.STRING, "unterminated quoted string")

    def _lex_escaped_until(self, closing: str, token: T, unterminated: str) -> State | None:
        """A quoted string or character constant: backslash escapes, no newline, ends at `closing`."""
        while True:
            char = self._next()
            if char == "\\":
                following = self._next()
                if following is not None and following != "\n":
                    continue
                char = None
            if char is None or char == "\n":
                self._errorf(unterminated)
                return None
            if char == closing:
                break
        self._emit(token)
        return None

    def _lex_raw_quote(self) -> State | None:
        while True:
            char = self._next()
            if char is None:
                self._errorf("unterminated raw quoted string")
                return None
            if char == "`":
                break
        self._emit(T.RAW_STRING)
        return None
