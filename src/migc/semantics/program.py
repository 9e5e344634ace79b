"""Loads a .mig file with everything it imports: the module graph, import cycles, the prelude.

`import "x.mig"` is resolved relative to the importing file; `import "std/x.mig"` (or `"std/x"`)
names a file of the standard library. Each file is parsed once per `Program`, and the standard
library once per process.
"""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path

from migc import codes
from migc.diagnostics import Diagnostics
from migc.resources import grammar_path, stdlib_dir
from migc.source import SourceError, SourceFile
from migc.syntax import ast
from migc.syntax.parser import ParseResult, parse

STD_PREFIX = "std/"


class LoadedModule:
    """A parsed file and the modules its imports refer to (in import order)."""

    def __init__(self, key: str, parsed: ParseResult) -> None:
        self.key = key
        self.parsed = parsed
        self.imports: list[tuple[ast.Import, LoadedModule | None]] = []

    @property
    def module(self) -> ast.Module | None:
        return self.parsed.module

    @property
    def source(self) -> SourceFile:
        return self.parsed.source


class Program:
    """The root file, every file reachable through imports, and the diagnostics of loading them."""

    def __init__(self) -> None:
        self.modules: dict[str, LoadedModule] = {}
        self.diagnostics = Diagnostics()
        self.root: LoadedModule | None = None

    @property
    def sources(self) -> dict[str, SourceFile]:
        return {m.source.name: m.source for m in self.modules.values()}


def parse_stdlib(path: Path, display: str) -> ParseResult:
    """A standard-library file, parsed once and then read from the on-disk cache."""
    from migc.cache import cached

    source = SourceFile.from_path(path, display)
    inputs = display.encode() + b"\0" + source.text.encode() + b"\0" + grammar_path().read_bytes()
    code = ("migc.syntax.ast", "migc.syntax.transformer", "migc.syntax.parser", "migc.source", "migc.diagnostics")
    return cached("stdlib", inputs, lambda: parse(source), code=code)


@cache
def prelude() -> LoadedModule:
    """The parsed standard prelude (builtin signatures); parsed once per process."""
    path = stdlib_dir() / "prelude.mig"
    loaded = LoadedModule("std/prelude.mig", parse_stdlib(path, "std/prelude.mig"))
    if not loaded.parsed.ok:  # a broken installation, not a user error
        raise RuntimeError(f"the standard prelude does not parse: {loaded.parsed.diagnostics[0].message}")
    return loaded


def load_program(path: Path, *, text: str | None = None, display_name: str | None = None, incremental: bool = False) -> Program:
    """Parses `path` (or `text` standing for it, as an editor buffer does) and its imports."""
    program = Program()
    name = display_name or str(path)
    try:
        source = SourceFile(name, text) if text is not None else SourceFile.from_path(path, name)
    except SourceError as error:
        program.diagnostics.add(codes.FILE_UNREADABLE, SourceFile(name, "").span(0, 0), f"cannot read this file: {error.reason}")
        return program
    root = LoadedModule(_key(path), parse(source, incremental=incremental))
    program.modules[root.key] = root
    program.root = root
    program.diagnostics.extend(root.parsed.diagnostics)
    _resolve_imports(program, root, path, stack=[root.key], via=None)
    return program


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path)


def _resolve_imports(program: Program, loaded: LoadedModule, path: Path, stack: list[str], via: ast.Import | None) -> None:
    """`via` is the root file's import that led here, where a cycle further down is reported too."""
    if loaded.module is None:
        return
    for item in loaded.module.items:
        if not isinstance(item, ast.Import):
            continue
        target_path = _import_path(item.path.value, path)
        if target_path is None or not target_path.is_file():
            program.diagnostics.add(
                codes.IMPORT_NOT_FOUND,
                item.path.span,
                f'cannot import "{item.path.value}": {_missing_reason(item.path.value, target_path)}',
            )
            loaded.imports.append((item, None))
            continue
        key = _key(target_path)
        if key in stack:
            cycle = " -> ".join(Path(k).name for k in stack[stack.index(key) :] + [key])
            program.diagnostics.add(codes.IMPORT_CYCLE, item.span, f"import cycle: {cycle}")
            if via is not None and via is not item:
                program.diagnostics.add(codes.IMPORT_CYCLE, via.span, f"this import leads into an import cycle: {cycle}")
            loaded.imports.append((item, None))
            continue
        imported = program.modules.get(key)
        if imported is None:
            standard = item.path.value.startswith(STD_PREFIX)
            display = item.path.value if standard else str(target_path)
            try:
                parsed = parse_stdlib(target_path, display) if standard else parse(SourceFile.from_path(target_path, display))
            except SourceError as error:
                program.diagnostics.add(codes.IMPORT_NOT_FOUND, item.path.span, f"cannot import: {error.reason}")
                loaded.imports.append((item, None))
                continue
            imported = LoadedModule(key, parsed)
            program.modules[key] = imported
            program.diagnostics.extend(imported.parsed.diagnostics)
            _resolve_imports(program, imported, target_path, stack + [key], via if via is not None else item)
        loaded.imports.append((item, imported))


def _import_path(written: str, importer: Path) -> Path | None:
    if written.startswith(STD_PREFIX):
        name = written[len(STD_PREFIX) :]
        if not name.endswith(".mig"):
            name += ".mig"
        return stdlib_dir() / name
    if not written:
        return None
    return importer.parent / written


def _missing_reason(written: str, path: Path | None) -> str:
    if path is None:
        return "the path is empty"
    if path.is_dir():
        return "it is a directory"
    if written.startswith(STD_PREFIX):
        available = sorted(p.stem for p in stdlib_dir().glob("*.mig") if p.stem != "prelude")
        close = difflib.get_close_matches(Path(written).stem, available, n=1)
        hint = f'; did you mean "std/{close[0]}"?' if close else ""
        return f"the standard library has {', '.join(available) or 'no such module'}{hint}"
    return f"no file at {path}"

