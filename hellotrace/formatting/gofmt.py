"""How Go writes values as text: ``fmt`` (Print, Println, a Printf subset), ``strconv.Quote``, ``encoding/json``.

Templates print through these, so a float, a quoted string or a JSON object must come out byte
for byte as the docker CLI writes it (``1e+06``, ``"\\"/hello\\""``, ``"\\u003cnone\\u003e"``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from hellotrace.formatting.errors import OUTPUT_LIMIT, TemplateError, too_large
from hellotrace.formatting.values import GoMap, GoObject, Uint8, go_type_name, is_integer
from hellotrace.protocol.gostrconv import can_backquote, is_print, quote, quote_rune


def unicode_notation(code: int, sharp: bool) -> str:
    """``%U`` (and ``%#U``): ``U+0041``, ``U+0041 'A'``."""
    text = f"U+{code:04X}"
    if sharp and 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF and is_print(chr(code)):
        text += f" '{chr(code)}'"
    return text


# -- floats --------------------------------------------------------------------------------------------


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest decimal digits that read back as ``value``, and the decimal point's position."""
    sign, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0")
    if not text:
        return "", 0
    assert isinstance(exponent, int)
    return text, len(digits) + exponent


def _fixed(digits: str, point: int, decimals: int) -> str:
    whole = digits[:point].ljust(point, "0") if point > 0 else "0"
    fraction = "".join(digits[i] if 0 <= i < len(digits) else "0" for i in range(point, point + decimals))
    return whole + ("." + fraction if decimals > 0 else "")


def _exponent(digits: str, point: int, decimals: int) -> str:
    digits = digits or "0"
    mantissa = digits[0] + ("." + digits[1 : 1 + decimals].ljust(decimals, "0") if decimals > 0 else "")
    exp = point - 1 if digits != "0" else 0
    return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def format_float_shortest(value: float, verb: str = "g") -> str:
    """Go's ``%v`` / ``%g`` with no precision (and ``json``'s ``'f'``/``'e'`` forms): shortest digits."""
    digits, point = _shortest_digits(value)
    sign = "-" if str(value).startswith("-") else ""
    if verb == "f":
        return sign + _fixed(digits, point, max(len(digits) - point, 0))
    if verb == "e":
        return sign + _exponent(digits, point, max(len(digits) - 1, 0))
    if not digits:
        return sign + "0"
    exp = point - 1
    if exp < -4 or exp >= 6:  # Go uses precision 6 for this decision when printing shortest
        return sign + _exponent(digits, point, len(digits) - 1)
    return sign + _fixed(digits, point, max(len(digits) - point, 0))


def format_complex(value: complex) -> str:
    """Go's ``%v`` for a complex128: ``(1+2i)``."""
    imag = format_float_shortest(value.imag)
    return f"({format_float_shortest(value.real)}{imag if imag.startswith('-') else '+' + imag}i)"


# -- %v ----------------------------------------------------------------------------------------------------


def format_value(value: Any) -> str:
    """What ``fmt.Sprint(value)`` writes: Go's ``%v``."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_integer(value):
        return str(int(value))
    if isinstance(value, float):
        return format_float_shortest(value)
    if isinstance(value, complex):
        return format_complex(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(format_value(item) for item in value) + "]"
    if isinstance(value, GoMap):
        return "map[" + " ".join(f"{k}:{format_value(v)}" for k, v in sorted(value.entries.items())) + "]"
    if isinstance(value, GoObject):
        text = value.go_stringer()
        return value.go_print() if text is None else text
    raise TypeError(f"cannot print {value!r}")


def sprint(args: list[Any]) -> str:
    """``fmt.Sprint``: a space between operands when neither side is a string."""
    out = []
    previous_is_string = False
    for i, arg in enumerate(args):
        is_string = isinstance(arg, str)
        if i > 0 and not is_string and not previous_is_string:
            out.append(" ")
        out.append(format_value(arg))
        previous_is_string = is_string
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    """``fmt.Sprintln``: operands always separated by spaces, then a newline."""
    return " ".join(format_value(arg) for arg in args) + "\n"


# -- Printf ------------------------------------------------------------------------------------------------


@dataclass
class _Spec:
    verb: str = "v"
    minus: bool = False
    plus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    width: int | None = None
    precision: int | None = None


def _unsupported_printf(what: str) -> TemplateError:
    return TemplateError(f"printf: {what} is not supported here", unsupported="printf_verb")


def sprintf(template: str, args: list[Any]) -> str:
    """``fmt.Sprintf`` for the verbs people use in templates (``%s %v %d %q %x %f %t %c %U %T`` …).

    Mistakes print as Go prints them (``%!d(string=web)``, ``%!s(MISSING)``, ``%!(EXTRA …)``);
    argument indexes (``%[1]s``) and ``*`` widths raise an "unsupported" TemplateError.
    """
    out: list[str] = []
    arg_index = 0
    i, end = 0, len(template)
    while i < end:
        percent = template.find("%", i)
        if percent < 0:
            out.append(template[i:])
            break
        out.append(template[i:percent])
        i = percent + 1
        spec = _Spec()
        while i < end and template[i] in "#0+- ":
            flag = template[i]
            spec.sharp |= flag == "#"
            spec.zero |= flag == "0" and not spec.minus
            spec.plus |= flag == "+"
            spec.space |= flag == " "
            if flag == "-":
                spec.minus, spec.zero = True, False
            i += 1
        if i < end and template[i] in "[*":
            raise _unsupported_printf(f"{template[i]!r} in a verb")
        start = i
        while i < end and template[i].isdigit():
            i += 1
        if i > start:
            spec.width = int(template[start:i])
        if i < end and template[i] == ".":
            i += 1
            if i < end and template[i] in "[*":
                raise _unsupported_printf(f"{template[i]!r} in a verb")
            start = i
            while i < end and template[i].isdigit():
                i += 1
            spec.precision = int(template[start:i] or "0")
        if max(spec.width or 0, spec.precision or 0) > OUTPUT_LIMIT:
            raise too_large("the printf width")
        if i >= end:
            out.append("%!(NOVERB)")
            break
        spec.verb = template[i]
        i += 1
        if spec.verb == "%":
            out.append("%")
        elif arg_index >= len(args):
            out.append(f"%!{spec.verb}(MISSING)")
        else:
            out.append(_format_arg(args[arg_index], spec))
            arg_index += 1
    if arg_index < len(args):
        extra = ", ".join(
            "<nil>" if arg is None else f"{go_type_name(arg)}={format_value(arg)}" for arg in args[arg_index:]
        )
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _pad(text: str, spec: _Spec, zero_ok: bool = True) -> str:
    """Pad to the width, on the left unless ``-``; zeros go after any sign."""
    if spec.width is None or len(text) >= spec.width:
        return text
    fill = spec.width - len(text)
    if spec.minus:
        return text + " " * fill
    if spec.zero and zero_ok:
        sign = text[0] if text[:1] in ("-", "+", " ") else ""
        return sign + "0" * fill + text[len(sign):]
    return " " * fill + text


def _bad_verb(arg: Any, spec: _Spec) -> str:
    """``%!d(string=web)``: the value is printed with ``%v`` and the verb's own width and flags."""
    if arg is None:
        return f"%!{spec.verb}(<nil>)"
    return f"%!{spec.verb}({go_type_name(arg)}={_format_arg(arg, replace(spec, verb='v'))})"


def _format_arg(arg: Any, spec: _Spec) -> str:
    verb = spec.verb
    if verb == "T":
        return _pad("<nil>" if arg is None else go_type_name(arg), spec, zero_ok=False)
    if arg is None:
        return _pad("<nil>", spec, zero_ok=False) if verb == "v" else _bad_verb(arg, spec)
    if isinstance(arg, bool):
        return _pad("true" if arg else "false", spec, zero_ok=False) if verb in "tv" else _bad_verb(arg, spec)
    if is_integer(arg):
        return _format_integer(int(arg), spec) if verb in "bcdoOqxXUv" else _bad_verb(arg, spec)
    if isinstance(arg, float):
        return _format_float(arg, spec) if verb in "eEfFgGv" else _bad_verb(arg, spec)
    if isinstance(arg, complex):
        if verb == "v":
            return _pad(format_complex(arg), spec)
        raise _unsupported_printf(f"%{verb} of a complex number")
    if isinstance(arg, str):
        return _format_string(arg, spec) if verb in "vsqxX" else _bad_verb(arg, spec)
    if verb == "v" and spec.sharp and not isinstance(arg, (str, list)):
        raise _unsupported_printf(f"%#v of a {go_type_name(arg)}")
    if isinstance(arg, list):
        if verb == "v" and spec.sharp:
            return _pad("[]string{" + ", ".join(quote(item) for item in arg) + "}", spec)
        return "[" + " ".join(_format_arg(item, spec) for item in arg) + "]"
    if isinstance(arg, GoMap):
        items = (f"{_format_arg(k, spec)}:{_format_arg(v, spec)}" for k, v in sorted(arg.entries.items()))
        return "map[" + " ".join(items) + "]"
    if isinstance(arg, GoObject):
        text = arg.go_stringer()
        if text is not None and verb in "vsqxX":
            return _format_string(text, spec)
        if verb == "v":
            return _pad(arg.go_print(), spec)
        raise _unsupported_printf(f"%{verb} of a {arg.go_type}")
    raise TypeError(f"cannot format {arg!r}")


def _format_string(text: str, spec: _Spec) -> str:
    verb = spec.verb
    if verb == "v" and spec.sharp:
        return _pad(quote(text), spec)
    if verb in "vs":
        if spec.precision is not None:
            text = text[: spec.precision]
        return _pad(text, spec)
    if verb == "q":
        if spec.sharp and can_backquote(text):
            return _pad("`" + text + "`", spec)
        return _pad(quote(text, ascii_only=spec.plus), spec)
    data = text.encode()
    if spec.precision is not None:
        data = data[: spec.precision]
    digits = "%02X" if verb == "X" else "%02x"
    prefix = ("0X" if verb == "X" else "0x") if spec.sharp else ""
    if spec.space:
        return _pad(" ".join(prefix + digits % b for b in data), spec)
    return _pad(prefix + "".join(digits % b for b in data), spec)


def _format_integer(value: int, spec: _Spec) -> str:
    verb = spec.verb
    if verb == "c":
        return _pad(chr(value) if 0 <= value <= 0x10FFFF else "\ufffd", spec, zero_ok=False)
    if verb == "q":
        return _pad(quote_rune(value), spec, zero_ok=False)
    if verb == "U":
        return _pad(unicode_notation(value, spec.sharp), spec, zero_ok=False)
    base_digits = {"b": "b", "o": "o", "O": "o", "x": "x", "X": "X"}.get(verb, "d")
    digits = format(abs(value), base_digits)
    precision = spec.precision
    if precision is None and spec.zero and spec.width is not None and not spec.minus:
        precision = spec.width - (1 if value < 0 or spec.plus or spec.space else 0)
    if precision is not None:
        digits = "" if precision == 0 and value == 0 else digits.rjust(precision, "0")
    prefix = ""
    if verb == "O" or (spec.sharp and verb == "o" and not digits.startswith("0")):
        prefix = "0o" if verb == "O" else "0"
    elif spec.sharp and verb in "bxX":
        prefix = "0" + verb
    sign = "-" if value < 0 else "+" if spec.plus else " " if spec.space else ""
    return _pad(sign + prefix + digits, spec, zero_ok=False)


def _format_float(value: float, spec: _Spec) -> str:
    verb = "g" if spec.verb == "v" else spec.verb
    sign = "+" if spec.plus else " " if spec.space else ""
    if spec.precision is None and verb in "gG":
        text = format_float_shortest(value)
        if verb == "G":
            text = text.upper()
        if sign and not text.startswith("-"):
            text = sign + text
    else:
        precision = 6 if spec.precision is None else spec.precision
        text = f"%{sign}.{precision}{verb}" % value
    return _pad(text, spec)


# -- encoding/json -------------------------------------------------------------------------------------------


def json_string(text: str, escape_html: bool) -> str:
    """A JSON string as Go's encoder writes it (``\\u003c`` for ``<`` when escaping HTML)."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif code < 0x20 or (escape_html and char in "<>&"):
            out.append(f"\\u{code:04x}")
        elif char in "\u2028\u2029":
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def json_float(value: float) -> str:
    """A float64 as ``encoding/json`` writes it: plain decimals, exponent only for tiny or huge values."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"json: unsupported value: {format_float_shortest(value)}")
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        text = format_float_shortest(value, "e")
        if text[-4:-1] == "e-0":  # Go trims e-09 to e-9
            text = text[:-2] + text[-1]
        return text
    return format_float_shortest(value, "f")


def json_encode(value: Any, escape_html: bool) -> str:
    """``encoding/json`` for template values; objects with a MarshalJSON escape HTML whatever the caller asks."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Uint8) or is_integer(value):
        return str(int(value))
    if isinstance(value, float):
        return json_float(value)
    if isinstance(value, complex):
        raise ValueError("json: unsupported type: complex128")
    if isinstance(value, str):
        return json_string(value, escape_html)
    if isinstance(value, list):
        return "[" + ",".join(json_encode(item, escape_html) for item in value) + "]"
    if isinstance(value, GoMap):
        entries = sorted(value.entries.items())
        members = (f"{json_string(k, escape_html)}:{json_encode(v, escape_html)}" for k, v in entries)
        return "{" + ",".join(members) + "}"
    if isinstance(value, GoObject):
        return value.go_json(escape_html)
    raise TypeError(f"cannot encode {value!r}")
