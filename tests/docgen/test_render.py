"""Tests for migc.docgen.render: the filters escape what they must and only format."""

from __future__ import annotations

from migc.docgen.render import _breakable, _cell, _inline_code, environment


def test_markdown_cells_escape_pipes_and_fold_lines() -> None:
    assert _cell("a|b\nc") == "a\\|b c"


def test_identifiers_break_at_their_parts_and_stay_escaped() -> None:
    assert str(_breakable("Actimo_Paths__c")) == "Actimo_<wbr>Paths__<wbr>c"
    assert str(_breakable("A->B <x>")) == "A-&gt;<wbr>B &lt;x&gt;"


def test_inline_code_escapes_before_marking_code() -> None:
    assert str(_inline_code("use `a<b>` & <i>")) == "use <code>a&lt;b&gt;</code> &amp; &lt;i&gt;"


def test_only_html_is_autoescaped() -> None:
    assert environment(True).autoescape is True
    assert environment(False).autoescape is False


def test_an_unusable_bytecode_cache_only_costs_a_compile(tmp_path) -> None:
    import jinja2

    from migc.docgen.render import TEMPLATES, _QuietBytecodeCache

    broken = _QuietBytecodeCache(directory=str(tmp_path / "missing"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), bytecode_cache=broken)
    assert env.get_template("_macros.md").module.gotcha is not None
    (tmp_path / "cache").mkdir()
    corrupt = _QuietBytecodeCache(directory=str(tmp_path / "cache"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), bytecode_cache=corrupt)
    env.get_template("_macros.md")
    cached_files = list((tmp_path / "cache").iterdir())
    assert cached_files, "the cache should have stored the compiled template"
    for cached in cached_files:
        cached.write_bytes(b"garbage")
    fresh = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), bytecode_cache=corrupt)
    assert fresh.get_template("_macros.md").module.gotcha is not None
