"""Execution of parsed templates the way Go's ``text/template`` does it, errors included.

Go reports an execution error at the last node it visited (``template: :1:2: executing "" at
<.Nope>: can't evaluate field Nope in type *formatter.ContainerContext``), so this walker calls
``_at`` at the same moments as Go's ``exec.go`` does; the order of evaluation is Go's too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from hellotrace.formatting import functions as funcs
from hellotrace.formatting.errors import OUTPUT_LIMIT, STEP_LIMIT, GoCallError, TemplateError, too_large
from hellotrace.formatting.gofmt import format_value
from hellotrace.formatting.nodes import (
    ActionNode,
    BoolNode,
    BranchNode,
    BreakNode,
    ChainNode,
    CommandNode,
    ContinueNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    N,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TextNode,
    VariableNode,
    WithNode,
)
from hellotrace.formatting.parser import Tree, parse
from hellotrace.formatting.values import (
    ANY,
    BOOL,
    FLOAT64,
    INT,
    MISSING,
    REFLECT_VALUE,
    STRING,
    GoFunc,
    GoMap,
    GoObject,
    NilPointerField,
    NoSuchField,
    UnexportedField,
    go_type_name,
    is_integer,
    is_true,
)
from hellotrace.protocol.gostrconv import quote

# Go allows 100000 nested {{template}} calls; Python's stack does not, so a recursive template stops earlier.
MAX_TEMPLATE_DEPTH = 100


class _Break(Exception):
    """{{break}}: leave the innermost range."""


class _Continue(Exception):
    """{{continue}}: next iteration of the innermost range."""


@dataclass(frozen=True)
class Template:
    """A parsed template (its text, its trees by name) and the functions it was parsed with."""

    text: str
    trees: dict[str, Tree]
    functions: Mapping[str, GoFunc]

    def execute(self, data: Any, functions: Mapping[str, GoFunc] | None = None) -> str:
        """Apply the template to ``data``; raises TemplateError with Go's text."""
        output, error = self.execute_partial(data, functions)
        if error is not None:
            raise error
        return output

    def execute_partial(
        self, data: Any, functions: Mapping[str, GoFunc] | None = None
    ) -> tuple[str, TemplateError | None]:
        """Like ``execute``, but keep what was written before an error (Go writes as it goes)."""
        merged = {**self.functions, **(functions or {})}
        out = _Output()
        state = _State(self, self.trees[""], merged, out, depth=0)
        state.vars = [("$", data)]
        try:
            root = self.trees[""].root
            assert root is not None
            state.walk(data, root)
        except TemplateError as error:
            return out.text(), error
        except RecursionError:
            return out.text(), TemplateError("template nested too deeply for hellotrace", unsupported="too_deep")
        return out.text(), None


class _Output:
    """What an execution writes, within OUTPUT_LIMIT characters and STEP_LIMIT visited nodes."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.steps = 0

    def write(self, text: str) -> None:
        self.size += len(text)
        if self.size > OUTPUT_LIMIT:
            raise too_large("the output")
        self.parts.append(text)

    def step(self) -> None:
        self.steps += 1
        if self.steps > STEP_LIMIT:
            raise too_large("the work this template asks for")

    def text(self) -> str:
        return "".join(self.parts)


def parse_template(text: str, functions: Mapping[str, GoFunc]) -> Template:
    """Parse ``text`` knowing ``functions`` (plus Go's builtins); raises TemplateError with Go's text."""
    names = frozenset(functions) | frozenset(funcs.BUILTINS)
    try:
        trees = parse(text, names)
    except RecursionError:
        raise TemplateError("template nested too deeply for hellotrace", unsupported="too_deep") from None
    return Template(text, trees, dict(functions))


def _can_be_nil(typ: str | None) -> bool:
    return typ is not None and (typ in (ANY, REFLECT_VALUE) or typ[:1] == "*" or typ[:2] == "[]" or typ[:4] == "map[")


def _zero(typ: str) -> Any:
    return [] if typ.startswith("[]") else None


class _State:
    def __init__(self, template: Template, tree: Tree, functions: Mapping[str, GoFunc], out: _Output,
                 depth: int) -> None:
        self.template = template
        self.tree = tree
        self.functions = functions
        self.out = out
        self.depth = depth
        self.node: Node | None = None
        self.vars: list[tuple[str, Any]] = []

    # -- errors and variables -----------------------------------------------------------------------

    def _at(self, node: Node) -> None:
        self.node = node

    def errorf(self, message: str) -> NoReturn:
        name = quote(self.tree.name)
        if self.node is None:
            raise TemplateError(f"template: {self.tree.name}: {message}")
        before = self.template.text[: self.node.pos]
        line = 1 + before.count("\n")
        column = len(before[before.rfind("\n") + 1 :].encode())
        raise TemplateError(f"template: :{line}:{column}: executing {name} at <{self.node}>: {message}")

    def _var_value(self, name: str) -> Any:
        for var_name, value in reversed(self.vars):
            if var_name == name:
                return value
        self.errorf(f"undefined variable: {name}")

    def _set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        self.errorf(f"undefined variable: {name}")

    def _set_top_var(self, n: int, value: Any) -> None:
        name, _ = self.vars[-n]
        self.vars[-n] = (name, value)

    # -- walking ------------------------------------------------------------------------------------

    def walk(self, dot: Any, node: Node) -> None:
        self._at(node)
        self.out.step()
        if isinstance(node, ActionNode):
            assert node.pipe is not None
            value = self._eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self._print_value(node, value)
        elif isinstance(node, BreakNode):
            raise _Break
        elif isinstance(node, ContinueNode):
            raise _Continue
        elif isinstance(node, (IfNode, WithNode)):
            self._walk_if_or_with(node, dot)
        elif isinstance(node, ListNode):
            for child in node.nodes:
                self.walk(dot, child)
        elif isinstance(node, RangeNode):
            self._walk_range(dot, node)
        elif isinstance(node, TemplateNode):
            self._walk_template(dot, node)
        elif isinstance(node, TextNode):
            self.out.write(node.text)
        else:
            self.errorf(f"unknown node: {node}")

    def _walk_if_or_with(self, node: BranchNode, dot: Any) -> None:
        mark = len(self.vars)
        try:
            value = self._eval_pipeline(dot, node.pipe)
            if is_true(value):
                assert node.list is not None
                self.walk(value if isinstance(node, WithNode) else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[mark:]

    def _walk_range(self, dot: Any, node: RangeNode) -> None:
        self._at(node)
        mark = len(self.vars)
        pipe = node.pipe
        assert pipe is not None and node.list is not None
        body = node.list
        try:
            value = self._eval_pipeline(dot, pipe)
            inner_mark = len(self.vars)

            def one_iteration(index: Any, element: Any) -> None:
                if pipe.decl:
                    if pipe.is_assign:
                        self._set_var(pipe.decl[0].ident[0], index if len(pipe.decl) > 1 else element)
                    else:
                        self._set_top_var(1, element)
                if len(pipe.decl) > 1:
                    if pipe.is_assign:
                        self._set_var(pipe.decl[1].ident[0], element)
                    else:
                        self._set_top_var(2, index)
                try:
                    self.walk(element, body)
                except _Continue:
                    pass
                finally:
                    del self.vars[inner_mark:]

            try:
                if isinstance(value, list):
                    items: Iterable[tuple[Any, Any]] = enumerate(value)
                elif isinstance(value, GoMap):
                    items = sorted(value.entries.items())
                elif is_integer(value):
                    if len(pipe.decl) > 1:
                        self.errorf(f"can't use {format_value(value)} to iterate over more than one variable")
                    items = ((i, i) for i in range(value))
                elif value is None:
                    items = ()
                else:
                    self.errorf(f"range can't iterate over {format_value(value)}")
                iterated = False
                for index, element in items:
                    iterated = True
                    one_iteration(index, element)
                if iterated:
                    return
            except _Break:
                return
            if node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            del self.vars[mark:]

    def _walk_template(self, dot: Any, node: TemplateNode) -> None:
        self._at(node)
        tree = self.template.trees.get(node.name)
        if tree is None:
            self.errorf(f"template {quote(node.name)} not defined")
        if self.depth >= MAX_TEMPLATE_DEPTH:
            raise TemplateError(
                f"template recursion deeper than {MAX_TEMPLATE_DEPTH} is not supported here",
                unsupported="template_depth",
            )
        dot = self._eval_pipeline(dot, node.pipe)
        state = _State(self.template, tree, self.functions, self.out, self.depth + 1)
        state.vars = [("$", dot)]
        assert tree.root is not None
        state.walk(dot, tree.root)

    def _print_value(self, node: Node, value: Any) -> None:
        self._at(node)
        self.out.write("<no value>" if value is None else format_value(value))

    # -- evaluation ---------------------------------------------------------------------------------

    def _eval_pipeline(self, dot: Any, pipe: PipeNode | None) -> Any:
        if pipe is None:
            return None
        self._at(pipe)
        value: Any = MISSING
        for command in pipe.cmds:
            value = self._eval_command(dot, command, value)
        for variable in pipe.decl:
            if pipe.is_assign:
                self._set_var(variable.ident[0], value)
            else:
                self.vars.append((variable.ident[0], value))
        return value

    def _not_a_function(self, args: list[Node], final: Any) -> None:
        if len(args) > 1 or final is not MISSING:
            self.errorf(f"can't give argument to non-function {args[0]}")

    def _eval_command(self, dot: Any, command: CommandNode, final: Any) -> Any:
        first = command.args[0]
        if isinstance(first, FieldNode):
            return self._eval_field_node(dot, first, command.args, final)
        if isinstance(first, ChainNode):
            return self._eval_chain_node(dot, first, command.args, final)
        if isinstance(first, IdentifierNode):
            return self._eval_function(dot, first, command, command.args, final)
        if isinstance(first, PipeNode):
            self._not_a_function(command.args, final)
            return self._eval_pipeline(dot, first)
        if isinstance(first, VariableNode):
            return self._eval_variable_node(dot, first, command.args, final)
        self._at(first)
        self._not_a_function(command.args, final)
        if isinstance(first, BoolNode):
            return first.value
        if isinstance(first, DotNode):
            return dot
        if isinstance(first, NilNode):
            self.errorf("nil is not a command")
        if isinstance(first, NumberNode):
            return self._ideal_constant(first)
        if isinstance(first, StringNode):
            return first.text
        self.errorf(f"can't evaluate command {quote(str(first))}")

    def _ideal_constant(self, constant: NumberNode) -> Any:
        """A number literal's value when nothing says its type: the syntax decides, as in Go."""
        self._at(constant)
        text = constant.text
        if constant.is_complex:
            return constant.complex_value
        is_hex_int = text[:2] in ("0x", "0X") and not any(c in text for c in "pP")
        if constant.is_float and not is_hex_int and not text.startswith("'") and any(c in text for c in ".eEpP"):
            return constant.float_value
        if constant.is_int:
            return constant.int_value
        if constant.is_uint:
            self.errorf(f"{text} overflows int")
        return None

    def _eval_field_node(self, dot: Any, field: FieldNode, args: list[Node] | None, final: Any) -> Any:
        self._at(field)
        return self._eval_field_chain(dot, dot, field, field.ident, args, final)

    def _eval_chain_node(self, dot: Any, chain: ChainNode, args: list[Node] | None, final: Any) -> Any:
        self._at(chain)
        if not chain.fields:
            self.errorf("internal error: no fields in evalChainNode")
        assert chain.node is not None
        if chain.node.kind == N.NIL:
            self.errorf(f"indirection through explicit nil in {chain}")
        receiver = self._eval_arg(dot, None, chain.node)
        return self._eval_field_chain(dot, receiver, chain, chain.fields, args, final)

    def _eval_variable_node(self, dot: Any, variable: VariableNode, args: list[Node] | None, final: Any) -> Any:
        self._at(variable)
        value = self._var_value(variable.ident[0])
        if len(variable.ident) == 1:
            if args is not None:
                self._not_a_function(args, final)
            return value
        return self._eval_field_chain(dot, value, variable, variable.ident[1:], args, final)

    def _eval_field_chain(self, dot: Any, receiver: Any, node: Node, ident: list[str], args: list[Node] | None,
                          final: Any) -> Any:
        for name in ident[:-1]:
            receiver = self._eval_field(dot, name, node, None, MISSING, receiver)
        return self._eval_field(dot, ident[-1], node, args, final, receiver)

    def _eval_function(self, dot: Any, node: IdentifierNode, command: Node, args: list[Node] | None,
                       final: Any) -> Any:
        self._at(node)
        name = node.ident
        function = self.functions.get(name)
        is_builtin = function is None and name in funcs.BUILTINS
        if is_builtin:
            function = funcs.BUILTINS[name]
        if function is None:
            self.errorf(f"{quote(name)} is not a defined function")
        return self._eval_call(dot, function, is_builtin, command, name, args, final)

    def _eval_field(self, dot: Any, name: str, node: Node, args: list[Node] | None, final: Any,
                    receiver: Any) -> Any:
        if receiver is None:
            return None
        typ = go_type_name(receiver)
        if isinstance(receiver, GoObject):
            method = receiver.go_method(name)
            if method is not None:
                return self._eval_call(dot, method, False, node, name, args, final)
        has_args = (args is not None and len(args) > 1) or final is not MISSING
        if isinstance(receiver, GoMap):
            if has_args:
                self.errorf(f"{name} is not a method but has arguments")
            return receiver.go_field(name)
        if isinstance(receiver, GoObject):
            try:
                value = receiver.go_field(name)
            except UnexportedField:
                self.errorf(f"{name} is an unexported field of struct type {typ}")
            except NilPointerField:
                self.errorf(f"nil pointer evaluating {typ}.{name}")
            except NoSuchField:
                pass
            else:
                if has_args:
                    self.errorf(f"{name} has arguments but cannot be invoked as function")
                return value
        self.errorf(f"can't evaluate field {name} in type {typ}")

    def _eval_call(self, dot: Any, function: GoFunc, is_builtin: bool, node: Node, name: str,
                   args: list[Node] | None, final: Any) -> Any:
        args = args[1:] if args is not None else []
        num_in = len(args) + (final is not MISSING)
        num_fixed = len(args)
        if function.variadic is not None:
            num_fixed = len(function.params)
            if num_in < num_fixed:
                self.errorf(f"wrong number of args for {name}: want at least {num_fixed} got {len(args)}")
        elif num_in != len(function.params):
            self.errorf(f"wrong number of args for {name}: want {len(function.params)} got {num_in}")

        if is_builtin and name in ("and", "or"):  # they short-circuit
            value = None
            for arg in args:
                value = self._eval_arg(dot, REFLECT_VALUE, arg)
                if is_true(value) == (name == "or"):
                    return value
            if final is not MISSING:
                value = self._validate_type(final, REFLECT_VALUE)
            return value

        argv = []
        i = 0
        while i < num_fixed and i < len(args):
            argv.append(self._eval_arg(dot, function.params[i], args[i]))
            i += 1
        if function.variadic is not None:
            for arg in args[i:]:
                argv.append(self._eval_arg(dot, function.variadic, arg))
        if final is not MISSING:
            if function.variadic is None:
                final_type = function.params[-1]
            elif num_in - 1 < num_fixed:
                final_type = function.params[num_in - 1]
            else:
                final_type = function.variadic
            argv.append(self._validate_type(final, final_type))
        if is_builtin and name == "call":
            callee = args[0] if args else final
            argv.insert(0, str(callee))
        try:
            return function.body(*argv)
        except GoCallError as error:
            self._at(node)
            self.errorf(f"error calling {name}: {error}")

    def _validate_type(self, value: Any, typ: str | None) -> Any:
        if value is None:
            if typ is None:
                return None
            if _can_be_nil(typ):
                return _zero(typ)
            self.errorf(f"invalid value; expected {typ}")
        if typ is None or typ in (ANY, REFLECT_VALUE):
            return value
        actual = go_type_name(value)
        if actual != typ:
            self.errorf(f"wrong type for value; expected {typ}; got {actual}")
        return value

    def _eval_arg(self, dot: Any, typ: str | None, node: Node) -> Any:
        self._at(node)
        if isinstance(node, DotNode):
            return self._validate_type(dot, typ)
        if isinstance(node, NilNode):
            if _can_be_nil(typ):
                assert typ is not None
                return _zero(typ)
            self.errorf(f"cannot assign nil to {typ}")
        if isinstance(node, FieldNode):
            return self._validate_type(self._eval_field_node(dot, node, [node], MISSING), typ)
        if isinstance(node, VariableNode):
            return self._validate_type(self._eval_variable_node(dot, node, None, MISSING), typ)
        if isinstance(node, PipeNode):
            return self._validate_type(self._eval_pipeline(dot, node), typ)
        if isinstance(node, IdentifierNode):
            return self._validate_type(self._eval_function(dot, node, node, None, MISSING), typ)
        if isinstance(node, ChainNode):
            return self._validate_type(self._eval_chain_node(dot, node, None, MISSING), typ)
        if typ == BOOL:
            if isinstance(node, BoolNode):
                return node.value
            self.errorf(f"expected bool; found {node}")
        if typ == FLOAT64:
            if isinstance(node, NumberNode) and node.is_float:
                return node.float_value
            self.errorf(f"expected float; found {node}")
        if typ == INT:
            if isinstance(node, NumberNode) and node.is_int:
                return node.int_value
            self.errorf(f"expected integer; found {node}")
        if typ == STRING:
            if isinstance(node, StringNode):
                return node.text
            self.errorf(f"expected string; found {node}")
        if typ in (ANY, REFLECT_VALUE, None):
            return self._eval_empty_interface(node)
        self.errorf(f"can't handle {node} for arg of type {typ}")

    def _eval_empty_interface(self, node: Node) -> Any:
        self._at(node)
        if isinstance(node, BoolNode):
            return node.value
        if isinstance(node, NumberNode):
            return self._ideal_constant(node)
        if isinstance(node, StringNode):
            return node.text
        self.errorf(f"can't handle assignment of {node} to empty interface argument")
