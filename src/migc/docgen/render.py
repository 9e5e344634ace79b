"""The Jinja2 environments of the documents: Markdown as written, HTML with autoescaping on.

Templates live in `migc/docgen/templates/` (shipped in the wheel with the package); their
compiled form is cached per user in the temporary directory (Jinja2's bytecode cache). Both
environments use `StrictUndefined`, so a misspelt name fails loudly instead of printing nothing,
and keep templates free of logic beyond layout: the filters below only format.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).with_name("templates")


def _cell(value: object) -> str:
    """A Markdown table cell: `|` escaped and line breaks folded, so no value can break a row."""
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _sentence(value: object) -> str:
    text = str(value)
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _code(value: object) -> str:
    return f"`{value}`"


def _pill(value: object) -> str:
    """The CSS class of a cardinality or classification badge."""
    return {"1:1": "one", "1:many": "many", "lossy": "lossy", "rebuild": "rebuild", "drop": "lossy", "field": "lossy", "object": "lossy"}.get(str(value), "")


_BACKTICKS = re.compile(r"`([^`]+)`")


_BREAK_AFTER = re.compile(r"(__|_|\.|,|->|/)")


def _breakable(value: object) -> Markup:
    """Escaped HTML of an identifier with break opportunities after `_`, `.`, `,`, `->` and `/`,
    so long API names (Actimo_Learning_Paths__c) wrap at their parts instead of overflowing."""
    escaped = str(escape(str(value)))
    return Markup(_BREAK_AFTER.sub(lambda m: m.group(1) + "<wbr>", escaped.replace("-&gt;", "->")).replace("->", "-&gt;"))


def _inline_code(value: object) -> Markup:
    """HTML for text that marks code Markdown-style: escaped, with `x` as <code>x</code>."""
    escaped = str(escape(str(value)))
    return Markup(_BACKTICKS.sub(lambda m: f"<code>{_breakable(Markup(m.group(1)).unescape())}</code>", escaped))


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's per-user bytecode cache, which spares a process the template compile (most of a
    cold `migc compile`); a cache that cannot be read or written only costs that compile again."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError):
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    try:
        return _QuietBytecodeCache(pattern="migc-docgen-%s.cache")
    except (OSError, RuntimeError):  # no usable temporary directory: compile every time
        return None


@lru_cache(maxsize=2)
def environment(html: bool) -> jinja2.Environment:
    """The shared environment for HTML (`html=True`) or Markdown templates."""
    return make_environment(html, cache=True)


def make_environment(html: bool, *, cache: bool) -> jinja2.Environment:
    """A new environment; `cache=False` compiles every template afresh (the benchmark's cold case)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        bytecode_cache=_bytecode_cache() if cache else None,
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cell=_cell, sentence=_sentence, code=_code, pill=_pill, inline_code=_inline_code, breakable=_breakable)
    return env


def render(template: str, **context: Any) -> str:
    """Renders `template` (HTML templates end in `.html`, Markdown ones in `.md`)."""
    text = environment(template.endswith(".html")).get_template(template).render(**context)
    # Collapse runs of blank lines the block tags leave behind; documents end with one newline.
    lines: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
