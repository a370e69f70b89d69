"""The one error the formatting package raises, carrying the text the docker CLI prints."""

from __future__ import annotations


class TemplateError(Exception):
    """A template that Go refuses (to parse or to execute), or one hellotrace cannot render.

    ``message`` is the exact line the docker CLI writes on stderr before exiting with status 1,
    e.g. ``template parsing error: template: :1: function "nope" not defined``.
    ``unsupported`` is None for Docker's own errors; for templates that the real CLI accepts but
    hellotrace cannot reproduce it is a short code (``print_struct``, ``printf_verb``…) so that the
    web layer can say so in the reader's language instead of pretending Docker failed.
    """

    def __init__(self, message: str, unsupported: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.unsupported = unsupported

    def with_prefix(self, prefix: str) -> TemplateError:
        """The same error wrapped the way docker/cli wraps it (``errors.Wrap(err, prefix)``)."""
        if self.unsupported:
            return self
        return TemplateError(f"{prefix}: {self.message}")


class GoCallError(Exception):
    """A Go function returned an error (or panicked); execution stops with ``error calling NAME: …``."""


# Templates come from readers of the site and run on its server: Go would happily print a billion
# lines for {{range 1000000000}}, hellotrace stops instead.
OUTPUT_LIMIT = 1 << 20  # characters one execution may write
STEP_LIMIT = 200_000  # template nodes one execution may visit


def too_large(what: str) -> TemplateError:
    """The error for a template that would exceed the limits above."""
    return TemplateError(f"{what} is larger than hellotrace renders (the real CLI would print it)",
                         unsupported="too_large")
