"""Signals as the daemon parses them (moby's signal.ParseSignal) and what they do to a simulated process.

A container's PID 1 gets only the signals it has a handler for, and the simulated programs install none: a
SIGTERM to `sleep 60` is ignored (that is why `docker stop` waits its 10 s, then kills). With `--init`, the
init process forwards the signal to the program, which is not PID 1 and dies of it: exit code 128 + signal.
"""

from __future__ import annotations

from hellotrace.protocol.errors import invalid_parameter

SIGKILL = 9
SIGTERM = 15
# Linux signal numbers (x86-64) by name, without the SIG prefix.
SIGNALS = {
    "ABRT": 6, "ALRM": 14, "BUS": 7, "CHLD": 17, "CLD": 17, "CONT": 18, "FPE": 8, "HUP": 1, "ILL": 4, "INT": 2,
    "IO": 29, "IOT": 6, "KILL": 9, "PIPE": 13, "POLL": 29, "PROF": 27, "PWR": 30, "QUIT": 3, "SEGV": 11,
    "STKFLT": 16, "STOP": 19, "SYS": 31, "TERM": 15, "TRAP": 5, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23,
    "USR1": 10, "USR2": 12, "VTALRM": 26, "WINCH": 28, "XCPU": 24, "XFSZ": 25,
    **{f"RTMIN+{n}": 34 + n for n in range(1, 16)}, "RTMIN": 34,
    **{f"RTMAX-{n}": 64 - n for n in range(1, 15)}, "RTMAX": 64,
}
_KNOWN = frozenset(SIGNALS.values())  # ValidSignalForPlatform: 32 and 33 are not among them
# Signals whose default action does not end the process.
HARMLESS = {SIGNALS["CHLD"], SIGNALS["CONT"], SIGNALS["URG"], SIGNALS["WINCH"], SIGNALS["STOP"], SIGNALS["TSTP"],
            SIGNALS["TTIN"], SIGNALS["TTOU"]}


def parse_signal(raw: str) -> int:
    """A number or a name (any case, with or without SIG), as ParseSignal reads it; 0 or an unknown name is
    `invalid signal: …`, a number Linux has no signal for is refused as the daemon does (both 400)."""
    try:
        number = int(raw)
    except ValueError:
        number = SIGNALS.get(raw.upper().removeprefix("SIG"), 0)
    if number == 0:
        raise invalid_parameter(f"invalid signal: {raw}")
    if number not in _KNOWN:
        raise invalid_parameter(f"the linux daemon does not support signal {number}")
    return number


def stop_signal_number(raw: str | None) -> int:
    """The signal `stop` sends first: the one asked for, else SIGTERM."""
    return parse_signal(raw) if raw else SIGTERM


def exit_code_after(signal: int, has_init: bool) -> int | None:
    """The exit code a signal ends the simulated process with; None when the process lives on."""
    if signal == SIGKILL:
        return 128 + SIGKILL
    if has_init and signal not in HARMLESS:
        return 128 + signal
    return None
