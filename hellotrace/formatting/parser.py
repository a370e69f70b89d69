"""The parser of Go's ``text/template`` (Go 1.24): parse trees, and Go's parse errors word for word."""

from __future__ import annotations

from hellotrace.formatting.errors import TemplateError
from hellotrace.formatting.lexer import Item, Lexer, T
from hellotrace.formatting.literals import Syntax, new_number, unquote
from hellotrace.formatting.nodes import (
    ActionNode,
    BoolNode,
    BreakNode,
    ChainNode,
    CommandNode,
    ContinueNode,
    DotNode,
    ElseNode,
    EndNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    N,
    NilNode,
    Node,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TextNode,
    VariableNode,
    WithNode,
)
from hellotrace.protocol.gostrconv import quote

# Go allows 10000 nested parentheses; a Python parser recursing that deep would exhaust its stack.
MAX_PAREN_DEPTH = 100


def _is_empty_tree(node: Node | None) -> bool:
    if node is None:
        return True
    if isinstance(node, ListNode):
        return all(_is_empty_tree(n) for n in node.nodes)
    if isinstance(node, TextNode):
        return not node.text.strip()
    return False


class Tree:
    """One parsed template (the main one, or a ``define``/``block``), sharing the lexer while parsing."""

    def __init__(self, name: str, text: str, functions: frozenset[str], tree_set: dict[str, Tree]) -> None:
        self.name = name
        self.text = text
        self.root: ListNode | None = None
        self._functions = functions
        self._tree_set = tree_set
        self._lex: Lexer | None = None
        self._token: list[Item] = [Item(T.EOF, 0, "EOF", 1)] * 3
        self._peek_count = 0
        self._vars = ["$"]
        self._action_line = 0
        self._range_depth = 0
        self._paren_depth = 0

    # -- tokens ---------------------------------------------------------------------------------

    def _next(self) -> Item:
        if self._peek_count > 0:
            self._peek_count -= 1
        else:
            assert self._lex is not None
            self._token[0] = self._lex.next_item()
        return self._token[self._peek_count]

    def _backup(self) -> None:
        self._peek_count += 1

    def _backup2(self, t1: Item) -> None:
        self._token[1] = t1
        self._peek_count = 2

    def _backup3(self, t2: Item, t1: Item) -> None:
        self._token[1] = t1
        self._token[2] = t2
        self._peek_count = 3

    def _peek(self) -> Item:
        if self._peek_count > 0:
            return self._token[self._peek_count - 1]
        assert self._lex is not None
        self._peek_count = 1
        self._token[0] = self._lex.next_item()
        return self._token[0]

    def _next_non_space(self) -> Item:
        while True:
            token = self._next()
            if token.typ != T.SPACE:
                return token

    def _peek_non_space(self) -> Item:
        token = self._next_non_space()
        self._backup()
        return token

    # -- errors ---------------------------------------------------------------------------------

    def _errorf(self, message: str) -> TemplateError:
        self.root = None
        return TemplateError(f"template: :{self._token[0].line}: {message}")

    def _expect(self, expected: T, context: str) -> Item:
        token = self._next_non_space()
        if token.typ != expected:
            raise self._unexpected(token, context)
        return token

    def _expect_one_of(self, first: T, second: T, context: str) -> Item:
        token = self._next_non_space()
        if token.typ not in (first, second):
            raise self._unexpected(token, context)
        return token

    def _unexpected(self, token: Item, context: str) -> TemplateError:
        if token.typ == T.ERROR:
            extra = ""
            if self._action_line != 0 and self._action_line != token.line:
                extra = f" in action started at :{self._action_line}"
                if token.val.endswith(" action"):
                    extra = extra[len(" in action") :]
            return self._errorf(f"{token}{extra}")
        return self._errorf(f"unexpected {token} in {context}")

    # -- structure ------------------------------------------------------------------------------

    def parse(self) -> Tree:
        """Parse the whole text; nested ``define`` trees land in the shared tree set."""
        self._lex = Lexer(self.text)
        self.root = ListNode(self._peek().pos)
        while self._peek().typ != T.EOF:
            if self._peek().typ == T.LEFT_DELIM:
                delim = self._next()
                if self._next_non_space().typ == T.DEFINE:
                    self._sub_tree("definition")._parse_definition()
                    continue
                self._backup2(delim)
            node = self._text_or_action()
            if node.kind in (N.END, N.ELSE):
                raise self._errorf(f"unexpected {node}")
            self.root.nodes.append(node)
        self._add()
        return self

    def _sub_tree(self, name: str) -> Tree:
        tree = Tree(name, self.text, self._functions, self._tree_set)
        tree._lex = self._lex
        return tree

    def _add(self) -> None:
        existing = self._tree_set.get(self.name)
        if existing is None or _is_empty_tree(existing.root):
            self._tree_set[self.name] = self
        elif not _is_empty_tree(self.root):
            raise self._errorf(f"template: multiple definition of template {quote(self.name)}")

    def _parse_definition(self) -> None:
        context = "define clause"
        name = self._expect_one_of(T.STRING, T.RAW_STRING, context)
        try:
            self.name = unquote(name.val)
        except Syntax:
            raise self._errorf("invalid syntax") from None
        self._expect(T.RIGHT_DELIM, context)
        self.root, end = self._item_list()
        if end.kind != N.END:
            raise self._errorf(f"unexpected {end} in {context}")
        self._add()

    def _item_list(self) -> tuple[ListNode, Node]:
        nodes = ListNode(self._peek_non_space().pos)
        while self._peek_non_space().typ != T.EOF:
            node = self._text_or_action()
            if node.kind in (N.END, N.ELSE):
                return nodes, node
            nodes.nodes.append(node)
        raise self._errorf("unexpected EOF")

    def _text_or_action(self) -> Node:
        token = self._next_non_space()
        if token.typ == T.TEXT:
            return TextNode(token.pos, text=token.val)
        if token.typ == T.LEFT_DELIM:
            self._action_line = token.line
            try:
                return self._action()
            finally:
                self._action_line = 0
        raise self._unexpected(token, "input")

    def _action(self) -> Node:
        token = self._next_non_space()
        if token.typ == T.BLOCK:
            return self._block_control()
        if token.typ in (T.BREAK, T.CONTINUE):
            return self._loop_control(token)
        if token.typ == T.ELSE:
            return self._else_control()
        if token.typ == T.END:
            return EndNode(self._expect(T.RIGHT_DELIM, "end").pos)
        if token.typ == T.IF:
            return IfNode(*self._parse_control("if"))
        if token.typ == T.RANGE:
            return RangeNode(*self._parse_control("range"))
        if token.typ == T.TEMPLATE:
            return self._template_control()
        if token.typ == T.WITH:
            return WithNode(*self._parse_control("with"))
        self._backup()
        token = self._peek()
        return ActionNode(token.pos, token.line, self._pipeline("command", T.RIGHT_DELIM))

    def _loop_control(self, keyword: Item) -> Node:
        name = "{{" + keyword.val + "}}"
        token = self._next_non_space()
        if token.typ != T.RIGHT_DELIM:
            raise self._unexpected(token, name)
        if self._range_depth == 0:
            raise self._errorf(f"{name} outside {{{{range}}}}")
        return BreakNode(keyword.pos) if keyword.typ == T.BREAK else ContinueNode(keyword.pos)

    def _pipeline(self, context: str, end: T) -> PipeNode:
        token = self._peek_non_space()
        pipe = PipeNode(token.pos, line=token.line)
        while True:  # declarations: "$x :=", "$x =", "$i, $e :=" (range only)
            variable = self._peek_non_space()
            if variable.typ != T.VARIABLE:
                break
            self._next()
            after_variable = self._peek()
            following = self._peek_non_space()
            if following.typ in (T.ASSIGN, T.DECLARE):
                pipe.is_assign = following.typ == T.ASSIGN
                self._next_non_space()
                pipe.decl.append(VariableNode(variable.pos, ident=variable.val.split(".")))
                self._vars.append(variable.val)
            elif following.typ == T.CHAR and following.val == ",":
                self._next_non_space()
                pipe.decl.append(VariableNode(variable.pos, ident=variable.val.split(".")))
                self._vars.append(variable.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self._peek_non_space().typ in (T.VARIABLE, T.RIGHT_DELIM, T.RIGHT_PAREN):
                        continue
                    raise self._errorf("range can only initialize variables")
                raise self._errorf(f"too many declarations in {context}")
            elif after_variable.typ == T.SPACE:
                self._backup3(variable, after_variable)
            else:
                self._backup2(variable)
            break
        operands = (T.BOOL, T.CHAR_CONSTANT, T.COMPLEX, T.DOT, T.FIELD, T.IDENTIFIER, T.NUMBER, T.NIL,
                    T.RAW_STRING, T.STRING, T.VARIABLE, T.LEFT_PAREN)
        while True:
            token = self._next_non_space()
            if token.typ == end:
                self._check_pipeline(pipe, context)
                return pipe
            if token.typ not in operands:
                raise self._unexpected(token, context)
            self._backup()
            pipe.cmds.append(self._command())

    def _check_pipeline(self, pipe: PipeNode, context: str) -> None:
        if not pipe.cmds:
            raise self._errorf(f"missing value for {context}")
        for stage, command in enumerate(pipe.cmds[1:], start=2):
            if command.args[0].kind in (N.BOOL, N.DOT, N.NIL, N.NUMBER, N.STRING):
                raise self._errorf(f"non executable command in pipeline stage {stage}")

    def _parse_control(self, context: str) -> tuple[int, int, PipeNode, ListNode, ListNode | None]:
        mark = len(self._vars)
        try:
            pipe = self._pipeline(context, T.RIGHT_DELIM)
            if context == "range":
                self._range_depth += 1
            body, following = self._item_list()
            if context == "range":
                self._range_depth -= 1
            else_list = None
            if following.kind == N.ELSE:
                if context in ("if", "with") and self._peek().typ == (T.IF if context == "if" else T.WITH):
                    self._next()
                    nested = IfNode(*self._parse_control("if")) if context == "if" else WithNode(
                        *self._parse_control("with"))
                    else_list = ListNode(following.pos, nodes=[nested])
                else:
                    else_list, following = self._item_list()
                    if following.kind != N.END:
                        raise self._errorf(f"expected end; found {following}")
            return pipe.pos, pipe.line, pipe, body, else_list
        finally:
            del self._vars[mark:]

    def _else_control(self) -> Node:
        peek = self._peek_non_space()
        if peek.typ in (T.IF, T.WITH):
            return ElseNode(peek.pos)
        return ElseNode(self._expect(T.RIGHT_DELIM, "else").pos)

    def _block_control(self) -> Node:
        context = "block clause"
        token = self._next_non_space()
        name = self._template_name(token, context)
        pipe = self._pipeline(context, T.RIGHT_DELIM)
        block = self._sub_tree(name)
        block.root, end = block._item_list()
        if end.kind != N.END:
            raise self._errorf(f"unexpected {end} in {context}")
        block._add()
        return TemplateNode(token.pos, token.line, name, pipe)

    def _template_control(self) -> Node:
        context = "template clause"
        token = self._next_non_space()
        name = self._template_name(token, context)
        pipe = None
        if self._next_non_space().typ != T.RIGHT_DELIM:
            self._backup()
            pipe = self._pipeline(context, T.RIGHT_DELIM)
        return TemplateNode(token.pos, token.line, name, pipe)

    def _template_name(self, token: Item, context: str) -> str:
        if token.typ not in (T.STRING, T.RAW_STRING):
            raise self._unexpected(token, context)
        try:
            return unquote(token.val)
        except Syntax:
            raise self._errorf("invalid syntax") from None

    def _command(self) -> CommandNode:
        command = CommandNode(self._peek_non_space().pos)
        while True:
            self._peek_non_space()
            operand = self._operand()
            if operand is not None:
                command.args.append(operand)
            token = self._next()
            if token.typ == T.SPACE:
                continue
            if token.typ in (T.RIGHT_DELIM, T.RIGHT_PAREN):
                self._backup()
            elif token.typ != T.PIPE:
                raise self._unexpected(token, "operand")
            break
        if not command.args:
            raise self._errorf("empty command")
        return command

    def _operand(self) -> Node | None:
        node = self._term()
        if node is None:
            return None
        if self._peek().typ == T.FIELD:
            chain = ChainNode(self._peek().pos, node=node)
            while self._peek().typ == T.FIELD:
                chain.fields.append(self._next().val[1:])
            if node.kind == N.FIELD:
                return FieldNode(chain.pos, ident=str(chain)[1:].split("."))
            if node.kind == N.VARIABLE:
                return VariableNode(chain.pos, ident=str(chain).split("."))
            if node.kind in (N.BOOL, N.STRING, N.NUMBER, N.NIL, N.DOT):
                raise self._errorf(f"unexpected . after term {quote(str(node))}")
            return chain
        return node

    def _term(self) -> Node | None:
        token = self._next_non_space()
        typ = token.typ
        if typ == T.IDENTIFIER:
            if token.val not in self._functions:
                raise self._errorf(f"function {quote(token.val)} not defined")
            return IdentifierNode(token.pos, ident=token.val)
        if typ == T.DOT:
            return DotNode(token.pos)
        if typ == T.NIL:
            return NilNode(token.pos)
        if typ == T.VARIABLE:
            variable = VariableNode(token.pos, ident=token.val.split("."))
            if variable.ident[0] not in self._vars:
                raise self._errorf(f"undefined variable {quote(variable.ident[0])}")
            return variable
        if typ == T.FIELD:
            return FieldNode(token.pos, ident=token.val[1:].split("."))
        if typ == T.BOOL:
            return BoolNode(token.pos, value=token.val == "true")
        if typ in (T.CHAR_CONSTANT, T.COMPLEX, T.NUMBER):
            try:
                return new_number(token.pos, token.val, typ)
            except ValueError as error:
                raise self._errorf(str(error)) from None
        if typ == T.LEFT_PAREN:
            if self._paren_depth >= MAX_PAREN_DEPTH:
                raise TemplateError("parentheses nested too deeply for hellotrace", unsupported="too_deep")
            self._paren_depth += 1
            try:
                return self._pipeline("parenthesized pipeline", T.RIGHT_PAREN)
            finally:
                self._paren_depth -= 1
        if typ in (T.STRING, T.RAW_STRING):
            try:
                return StringNode(token.pos, quoted=token.val, text=unquote(token.val))
            except Syntax:
                raise self._errorf("invalid syntax") from None
        self._backup()
        return None


def parse(text: str, functions: frozenset[str]) -> dict[str, Tree]:
    """Parse a template; returns every tree by name (the main one is ``""``). Raises TemplateError."""
    tree_set: dict[str, Tree] = {}
    Tree("", text, functions, tree_set).parse()
    return tree_set

