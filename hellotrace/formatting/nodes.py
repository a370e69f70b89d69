"""Parse-tree nodes of Go's ``text/template``, each printing itself as Go's ``Node.String()`` does.

Execution errors quote the node they failed on (``executing "" at <index .Names 5>: …``), so the
text of every node matters as much as its meaning.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import ClassVar

from hellotrace.protocol.gostrconv import quote


class N(Enum):
    """Node types."""

    TEXT = auto()
    ACTION = auto()
    BOOL = auto()
    BREAK = auto()
    CHAIN = auto()
    COMMAND = auto()
    CONTINUE = auto()
    DOT = auto()
    ELSE = auto()
    END = auto()
    FIELD = auto()
    IDENTIFIER = auto()
    IF = auto()
    LIST = auto()
    NIL = auto()
    NUMBER = auto()
    PIPE = auto()
    RANGE = auto()
    STRING = auto()
    TEMPLATE = auto()
    VARIABLE = auto()
    WITH = auto()


@dataclass(eq=False)
class Node(ABC):
    """A node starts at ``pos`` (a character offset in the template) and knows its type."""

    pos: int

    kind: ClassVar[N]

    @abstractmethod
    def __str__(self) -> str:
        """The node as Go's ``String()`` writes it."""


@dataclass(eq=False)
class TextNode(Node):
    text: str = ""
    kind: ClassVar[N] = N.TEXT

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class ListNode(Node):
    nodes: list[Node] = field(default_factory=list)
    kind: ClassVar[N] = N.LIST

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


@dataclass(eq=False)
class IdentifierNode(Node):
    ident: str = ""
    kind: ClassVar[N] = N.IDENTIFIER

    def __str__(self) -> str:
        return self.ident


@dataclass(eq=False)
class VariableNode(Node):
    ident: list[str] = field(default_factory=list)
    kind: ClassVar[N] = N.VARIABLE

    def __str__(self) -> str:
        return ".".join(self.ident)


@dataclass(eq=False)
class DotNode(Node):
    kind: ClassVar[N] = N.DOT

    def __str__(self) -> str:
        return "."


@dataclass(eq=False)
class NilNode(Node):
    kind: ClassVar[N] = N.NIL

    def __str__(self) -> str:
        return "nil"


@dataclass(eq=False)
class FieldNode(Node):
    ident: list[str] = field(default_factory=list)
    kind: ClassVar[N] = N.FIELD

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)


@dataclass(eq=False)
class BoolNode(Node):
    value: bool = False
    kind: ClassVar[N] = N.BOOL

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(eq=False)
class NumberNode(Node):
    text: str = ""
    is_int: bool = False
    is_uint: bool = False
    is_float: bool = False
    is_complex: bool = False
    int_value: int = 0
    float_value: float = 0.0
    complex_value: complex = 0j
    kind: ClassVar[N] = N.NUMBER

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class StringNode(Node):
    quoted: str = ""
    text: str = ""
    kind: ClassVar[N] = N.STRING

    def __str__(self) -> str:
        return self.quoted


@dataclass(eq=False)
class CommandNode(Node):
    args: list[Node] = field(default_factory=list)
    kind: ClassVar[N] = N.COMMAND

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, PipeNode) else str(a) for a in self.args)


@dataclass(eq=False)
class PipeNode(Node):
    line: int = 1
    is_assign: bool = False
    decl: list[VariableNode] = field(default_factory=list)
    cmds: list[CommandNode] = field(default_factory=list)
    kind: ClassVar[N] = N.PIPE

    def __str__(self) -> str:
        head = ", ".join(str(v) for v in self.decl) + " := " if self.decl else ""
        return head + " | ".join(str(c) for c in self.cmds)


@dataclass(eq=False)
class ChainNode(Node):
    node: Node | None = None
    fields: list[str] = field(default_factory=list)
    kind: ClassVar[N] = N.CHAIN

    def __str__(self) -> str:
        head = f"({self.node})" if isinstance(self.node, PipeNode) else str(self.node)
        return head + "".join("." + f for f in self.fields)


@dataclass(eq=False)
class ActionNode(Node):
    line: int = 1
    pipe: PipeNode | None = None
    kind: ClassVar[N] = N.ACTION

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass(eq=False)
class BranchNode(Node):
    """``if``, ``range`` and ``with``: a pipeline, a list, and an optional ``else`` list."""

    line: int = 1
    pipe: PipeNode | None = None
    list: ListNode | None = None
    else_list: ListNode | None = None
    keyword: ClassVar[str] = ""

    def __str__(self) -> str:
        text = "{{" + self.keyword + " " + str(self.pipe) + "}}" + str(self.list)
        if self.else_list is not None:
            text += "{{else}}" + str(self.else_list)
        return text + "{{end}}"


@dataclass(eq=False)
class IfNode(BranchNode):
    kind: ClassVar[N] = N.IF
    keyword: ClassVar[str] = "if"


@dataclass(eq=False)
class RangeNode(BranchNode):
    kind: ClassVar[N] = N.RANGE
    keyword: ClassVar[str] = "range"


@dataclass(eq=False)
class WithNode(BranchNode):
    kind: ClassVar[N] = N.WITH
    keyword: ClassVar[str] = "with"


@dataclass(eq=False)
class TemplateNode(Node):
    line: int = 1
    name: str = ""
    pipe: PipeNode | None = None
    kind: ClassVar[N] = N.TEMPLATE

    def __str__(self) -> str:
        return "{{template " + quote(self.name) + (" " + str(self.pipe) if self.pipe else "") + "}}"


@dataclass(eq=False)
class BreakNode(Node):
    kind: ClassVar[N] = N.BREAK

    def __str__(self) -> str:
        return "{{break}}"


@dataclass(eq=False)
class ContinueNode(Node):
    kind: ClassVar[N] = N.CONTINUE

    def __str__(self) -> str:
        return "{{continue}}"


@dataclass(eq=False)
class EndNode(Node):
    kind: ClassVar[N] = N.END

    def __str__(self) -> str:
        return "{{end}}"


@dataclass(eq=False)
class ElseNode(Node):
    kind: ClassVar[N] = N.ELSE

    def __str__(self) -> str:
        return "{{else}}"
