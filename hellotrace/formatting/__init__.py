"""``--format`` as the docker CLI understands it: a Go ``text/template`` engine and Docker's ps/images output.

The lab page renders a reader's sandbox with ``render_ps`` / ``render_images`` and shows a failed
template with ``TemplateError.message`` — the very line the real CLI prints.
"""

from hellotrace.formatting.docker_output import ps_format_refusal, ps_requests_size, render_images, render_ps
from hellotrace.formatting.errors import TemplateError
from hellotrace.formatting.executor import Template, parse_template
from hellotrace.formatting.functions import DOCKER_FUNCTIONS

__all__ = [
    "DOCKER_FUNCTIONS",
    "Template",
    "TemplateError",
    "parse_template",
    "ps_format_refusal",
    "ps_requests_size",
    "render_images",
    "render_ps",
]
