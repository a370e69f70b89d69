"""The course pages beside the lessons: the teacher's guide and the cheat sheet, one Markdown file per
language in `lessons/<lang>/course/` (`teacher.md`, `cheatsheet.md`), rendered like the lessons (same
Markdown extensions, pygments classes, a table of contents) but with no quiz and no Try-it blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import frontmatter
import markdown
import yaml

COURSE_PAGES = ("teacher", "cheatsheet")
_EXTENSIONS = ["fenced_code", "codehilite", "toc", "attr_list", "admonition", "tables"]


class CoursePageError(ValueError):
    """A course page that cannot be shown, with the file at fault."""


@dataclass(frozen=True)
class TocItem:
    id: str
    html: str


@dataclass(frozen=True)
class CoursePage:
    name: str
    lang: str
    title: str
    summary: str
    html: str
    toc: tuple[TocItem, ...]  # the ## headings, for a page's own contents list


def load_course_page(path: Path, name: str, lang: str) -> CoursePage:
    """Read and render one course page; its front matter gives `title` and `summary`."""
    try:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CoursePageError(f"{path}: invalid YAML front matter: {exc}") from None
    meta = post.metadata
    for key in ("title", "summary"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            raise CoursePageError(f"{path}: {key} is missing or empty")
    md = markdown.Markdown(
        extensions=_EXTENSIONS,
        extension_configs={"codehilite": {"css_class": "codehilite", "guess_lang": False, "use_pygments": True,
                                          "noclasses": False},
                           "toc": {"toc_depth": "2"}},
        output_format="html",
    )
    html = md.convert(post.content)
    toc = tuple(TocItem(token["id"], token["html"]) for token in getattr(md, "toc_tokens", []))
    return CoursePage(name, lang, meta["title"].strip(), meta["summary"].strip(), html, toc)
