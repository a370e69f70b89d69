"""Python stand-ins for the Go values a Docker format template handles, with Go's type names.

Go's error texts name types (``wrong type for value; expected []string; got string``,
``can't evaluate field Nope in type *formatter.ContainerContext``), so every value the engine
passes around must know its Go type. Plain Python values cover Go's basic ones: ``str`` is
``string``, ``int`` is ``int``, ``bool``, ``float`` (``float64``), ``complex`` (``complex128``),
``list`` is ``[]string`` (what ``split`` returns) and ``None`` is an invalid ``reflect.Value``
("no value"). Everything with methods or fields is a ``GoObject``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hellotrace.formatting.errors import GoCallError, TemplateError

# Go type names as reflect prints them.
STRING = "string"
INT = "int"
BOOL = "bool"
FLOAT64 = "float64"
COMPLEX128 = "complex128"
STRINGS = "[]string"
ANY = "interface {}"
REFLECT_VALUE = "reflect.Value"


class _Missing:
    """The "no value from the previous pipeline stage" marker (Go's ``missingVal``)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


class Uint8(int):
    """A Go ``byte``: what ``index`` returns for a string, printed as a number."""


@dataclass(frozen=True)
class GoFunc:
    """A Go function or method as the template engine sees it: its parameter types and a body.

    ``params`` are Go type names; ``variadic`` is the element type of a final ``...`` parameter.
    The body receives already converted arguments and raises ``GoCallError`` where Go returns an
    error (or panics), which execution reports as ``error calling NAME: …``.
    """

    name: str
    params: tuple[str, ...]
    body: Callable[..., Any]
    variadic: str | None = None


class NoSuchField(Exception):
    """The value has no field or method of that name."""


class UnexportedField(Exception):
    """The struct has the field, but it starts with a lower-case letter."""


class NilPointerField(Exception):
    """The value is a nil pointer to a struct that has this field."""


class GoObject:
    """A Go value with fields or methods (a struct pointer, a map, Docker's format contexts)."""

    go_type = ""

    def go_method(self, name: str) -> GoFunc | None:
        """The method of that name, bound to this value, if the type has one."""
        return None

    def go_field(self, name: str) -> Any:
        """The field (or map entry) of that name; raises NoSuchField / UnexportedField / NilPointerField."""
        raise NoSuchField(name)

    def go_truth(self) -> bool:
        """Go's truth for ``if``: a non-nil pointer is true."""
        return True

    def go_stringer(self) -> str | None:
        """The result of the type's ``String()`` method, for types that have one (Go's fmt.Stringer)."""
        return None

    def go_print(self) -> str:
        """What ``fmt.Print`` writes for this value (when it is not a Stringer)."""
        raise TemplateError(
            f"printing a whole {self.go_type} is not supported here: Go prints the raw struct, "
            "memory addresses included; print its fields instead (or use json)",
            unsupported="print_struct",
        )

    def go_json(self, escape_html: bool) -> str:
        """What ``encoding/json`` writes for this value."""
        raise TemplateError(f"json of {self.go_type} is not supported here", unsupported="json_value")


@dataclass
class GoMap(GoObject):
    """A Go ``map[string]…``: fields are looked up as keys, printing and ranging sort the keys."""

    go_type: str = "map[string]string"
    entries: dict[str, Any] = field(default_factory=dict)

    def go_field(self, name: str) -> Any:
        return self.entries.get(name)  # a missing key is "no value"

    def go_truth(self) -> bool:
        return bool(self.entries)


@dataclass(frozen=True)
class NilPointer(GoObject):
    """A nil pointer to a struct: prints ``<nil>``, is false, and fails on field access.

    ``methods`` are the struct's value-receiver methods; Go panics when one is called through
    the nil pointer, naming the struct by its full package path (``package``).
    """

    go_type: str = ""
    package: str = ""
    fields: frozenset[str] = frozenset()
    methods: frozenset[str] = frozenset()

    def go_method(self, name: str) -> GoFunc | None:
        if name not in self.methods:
            return None
        struct = self.go_type.lstrip("*").rpartition(".")[2]

        def body() -> Any:
            raise GoCallError(f"value method {self.package}.{struct}.{name} called using nil *{struct} pointer")

        return GoFunc(name, (), body)

    def go_field(self, name: str) -> Any:
        if name in self.fields:
            raise NilPointerField(name)
        raise NoSuchField(name)

    def go_truth(self) -> bool:
        return False

    def go_print(self) -> str:
        return "<nil>"

    def go_json(self, escape_html: bool) -> str:
        return "null"


def go_type_name(value: Any) -> str:
    """The Go type of a (valid) value, as reflect and Go's error messages spell it."""
    if isinstance(value, GoObject):
        return value.go_type
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, Uint8):
        return "uint8"
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT64
    if isinstance(value, complex):
        return COMPLEX128
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return STRINGS
    raise TypeError(f"no Go type for {value!r}")


def is_true(value: Any) -> bool:
    """Go's truth: false, 0, a nil pointer, an empty string, slice or map, and "no value" are false."""
    if value is None:
        return False
    if isinstance(value, GoObject):
        return value.go_truth()
    if isinstance(value, (str, list)):
        return len(value) > 0
    return bool(value)


def is_integer(value: Any) -> bool:
    """An ``int`` or ``uint8``, not a bool (which Python counts as an int)."""
    return isinstance(value, int) and not isinstance(value, bool)
