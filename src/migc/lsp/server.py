"""`MigLanguageServer`: the pygls server, its per-document analyses, and one thin handler per LSP
method.

Each document version is checked once, by `migc.lsp.snapshot.analyze` (the same `check_file` as
`migc check`), on one worker thread so the event loop keeps answering while a check runs. An edit
is checked at once: a check queued behind a running one is skipped when an edit has made it
stale, so a burst of edits costs at most two checks, and the last edit's diagnostics follow
within one check's time. A debounce (`debounceMs`, default 0) can delay checks on slow machines;
a check that finishes after the document moved on is kept for completion but not published.
Requests that need positions in the current text (hover, definition, ...) wait for the current
version's analysis; completion and signature help answer at once from the latest one.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

from migc.lsp.convert import UTF16, LineIndex, normalize_encoding
from migc.lsp.features import code_actions as actions_feature
from migc.lsp.features import completion as completion_feature
from migc.lsp.features import diagnostics as diagnostics_feature
from migc.lsp.features import folding as folding_feature
from migc.lsp.features import formatting as formatting_feature
from migc.lsp.features import hover as hover_feature
from migc.lsp.features import navigation as navigation_feature
from migc.lsp.features import rename as rename_feature
from migc.lsp.features import semantic_tokens as tokens_feature
from migc.lsp.features import signature_help as signature_feature
from migc.lsp.features import symbols as symbols_feature
from migc.lsp.lookup import target_at
from migc.lsp.snapshot import Snapshot, analyze, forget, path_key, uri_to_path, warm_up
from migc.lsp.workspace_index import WorkspaceIndex

log = logging.getLogger(__name__)
Result = TypeVar("Result")

SERVER_NAME = "migc"
DEFAULT_DEBOUNCE_MS = 0  # stale checks are skipped anyway; waiting only adds latency
SWITCH_INTERVAL = 0.0002


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """What the client configures: account overlay files or directories (`mig.specs`, relative
    paths are read from the workspace root) and the edit debounce."""

    specs: tuple[str, ...] = ()
    debounce_ms: int = DEFAULT_DEBOUNCE_MS


def read_settings(raw: Any, current: Settings) -> Settings:
    """Settings from initializationOptions or didChangeConfiguration: `{"specs": [...]}`,
    `{"mig": {"specs": [...]}}`; unknown keys and wrong types are ignored."""
    if not isinstance(raw, dict):
        return current
    section = raw.get("mig") if isinstance(raw.get("mig"), dict) else raw
    specs = section.get("specs", current.specs)
    if isinstance(specs, str):
        specs = [specs]
    specs = tuple(s for s in specs if isinstance(s, str) and s) if isinstance(specs, (list, tuple)) else current.specs
    debounce = section.get("debounceMs", section.get("debounce_ms", current.debounce_ms))
    debounce = int(debounce) if isinstance(debounce, (int, float)) and 0 <= debounce <= 10_000 else current.debounce_ms
    return Settings(specs=specs, debounce_ms=debounce)


class MigLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SERVER_NAME, _version(), text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = Settings()
        self.encoding = UTF16
        self.roots: list[Path] = []
        self.snapshots: dict[str, Snapshot] = {}
        self.open_uris: set[str] = set()
        self.index = WorkspaceIndex()
        self._pending: dict[str, asyncio.Task] = {}
        self._inflight: dict[tuple[str, int], asyncio.Future] = {}
        self._awaited: dict[tuple[str, int], int] = {}  # requests waiting for a version's analysis
        self._published: dict[str, int] = {}
        self._lines: dict[str, tuple[int, LineIndex]] = {}
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="migc-check")
        self._warmed = False

    # ------------------------------------------------------------------ configuration

    def configure(self, raw: Any) -> None:
        self.settings = read_settings(raw, self.settings)
        self.index.configure(roots=self.roots, overlays=self.overlays(), encoding=self.encoding)

    def overlays(self) -> tuple[Path, ...]:
        base = self.roots[0] if self.roots else Path.cwd()
        return tuple(Path(s) if Path(s).is_absolute() else base / s for s in self.settings.specs)

    # ------------------------------------------------------------------ documents

    def document(self, uri: str):
        return self.workspace.get_text_document(uri) if uri in self.open_uris else None

    def version_of(self, uri: str) -> int | None:
        document = self.document(uri)
        return (document.version or 0) if document is not None else None

    def lines_of(self, uri: str) -> tuple[str, LineIndex] | None:
        """The current text of an open document and its line index (kept per version)."""
        document = self.document(uri)
        if document is None:
            return None
        version = document.version or 0
        text = document.source
        cached = self._lines.get(uri)
        if cached is None or cached[0] != version or cached[1].text is not text:
            cached = (version, LineIndex(text, self.encoding))
            self._lines[uri] = cached
        return text, cached[1]

    def latest(self, uri: str) -> Snapshot | None:
        """The newest analysis of a document, possibly of an earlier version."""
        return self.snapshots.get(uri)

    async def current(self, uri: str, *, request: bool = True) -> Snapshot | None:
        """The analysis of the document's current version (checked now if it is not yet)."""
        document = self.document(uri)
        if document is None:
            return None
        version = document.version or 0
        snapshot = self.snapshots.get(uri)
        if snapshot is not None and snapshot.text == document.source:
            if snapshot.version != version:  # the same text under a new version (undo, a no-op edit)
                snapshot = snapshot.with_version(version)
                self.snapshots[uri] = snapshot
                if self._published.get(uri) != version:
                    self.publish(snapshot)
            return snapshot
        key = (uri, version)
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_task(self._analyze(uri, version, document.source))
            self._inflight[key] = future
            future.add_done_callback(lambda _: self._inflight.pop(key, None))
        if request:
            self._awaited[key] = self._awaited.get(key, 0) + 1
        try:
            result = await asyncio.shield(future)
        finally:
            if request:
                self._awaited[key] -= 1
                if not self._awaited[key]:
                    del self._awaited[key]
        return result if result is not None else self.snapshots.get(uri)

    async def _analyze(self, uri: str, version: int, text: str) -> Snapshot | None:
        run = partial(self._check_if_wanted, uri, version, text, self.overlays(), self.encoding)
        snapshot = await asyncio.get_running_loop().run_in_executor(self._checker, run)
        if snapshot is None:
            return None
        if snapshot.error:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=f"migc: checking {uri} failed: {snapshot.error}"))
        stored = self.snapshots.get(uri)
        if uri in self.open_uris and (stored is None or stored.version <= version):
            self.snapshots[uri] = snapshot
        if self.version_of(uri) == version and self._published.get(uri) != version:
            self.publish(snapshot)
        if not self._warmed:  # after the first diagnostics, before the first edit (usually)
            self._warmed = True
            self._checker.submit(warm_up)
        return snapshot

    def _check_if_wanted(self, uri: str, version: int, text: str, overlays, encoding) -> Snapshot | None:
        """Runs on the worker thread. A run queued behind a slow check is skipped when its
        version is no longer the document's and nobody waits for it."""
        if self.version_of(uri) != version and not self._awaited.get((uri, version)):
            return None
        return analyze(uri, version, text, overlays=overlays, encoding=encoding)

    def publish(self, snapshot: Snapshot) -> None:
        self._published[snapshot.uri] = snapshot.version
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=snapshot.uri, version=snapshot.version, diagnostics=diagnostics_feature.document_diagnostics(snapshot),
        ))

    def schedule(self, uri: str, delay: float | None = None) -> None:
        """Checks a document after `delay` seconds (the debounce), cancelling a pending check."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        wait = self.settings.debounce_ms / 1000 if delay is None else delay
        self._pending[uri] = asyncio.get_running_loop().create_task(self._debounced(uri, wait))

    async def _debounced(self, uri: str, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            await self.current(uri, request=False)
        except asyncio.CancelledError:
            pass
        except Exception:  # a failed check must not end the session; the log says why
            log.exception("checking %s failed", uri)

    def invalidate(self, uri: str) -> None:
        """Forgets a document's analysis (the settings changed), so the next check publishes."""
        self.snapshots.pop(uri, None)
        self._published.pop(uri, None)

    def close(self, uri: str) -> None:
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.open_uris.discard(uri)
        self.snapshots.pop(uri, None)
        self._published.pop(uri, None)
        self._lines.pop(uri, None)
        forget(uri)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def off_loop(self, function: Callable[[], Result]) -> Result:
        """Runs slow work (checking other workspace files, formatting) on the worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self._checker, function)

    def open_snapshots(self) -> list[Snapshot]:
        return [s for uri, s in self.snapshots.items() if uri in self.open_uris]

    async def others_mentioning(self, word: str, *extra: Path) -> list[Snapshot]:
        """Analyses of the open documents and workspace files whose text has `word` (the files
        on disk are read and checked on the worker thread)."""
        opened = [s for s in self.open_snapshots() if word in s.text]
        return await self.off_loop(partial(self.index.snapshots_mentioning, word, lambda: opened, extra=extra))

    def shutdown_workers(self) -> None:
        for task in self._pending.values():
            task.cancel()
        self._checker.shutdown(wait=False, cancel_futures=True)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("migc")
    except PackageNotFoundError:
        return "0"


# Editors complete words as they are typed; these characters open a list before any word: members
# after `.`, functions after `|`, picklist options after an opening quote.
COMPLETION_TRIGGERS = [".", "|", '"']


def create_server() -> MigLanguageServer:
    server = MigLanguageServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: MigLanguageServer, params: types.InitializeParams) -> None:
        ls.encoding = normalize_encoding(ls.workspace.position_encoding)
        roots = [uri_to_path(folder.uri) for folder in params.workspace_folders or []]
        if not roots and params.root_uri:
            roots = [uri_to_path(params.root_uri)]
        ls.roots = roots
        ls.configure(params.initialization_options)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: MigLanguageServer, params: None) -> None:
        ls.shutdown_workers()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: MigLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        ls.configure(params.settings)
        for uri in sorted(ls.open_uris):
            ls.invalidate(uri)
            ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: MigLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        # Opening again (a client may re-send didOpen) starts afresh and publishes again.
        ls.invalidate(params.text_document.uri)
        ls.open_uris.add(params.text_document.uri)
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: MigLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: MigLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        # Other open documents may import the saved one: check them against its new text.
        for uri in sorted(ls.open_uris - {params.text_document.uri}):
            ls.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MigLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=COMPLETION_TRIGGERS))
    def completion(ls: MigLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
        current = ls.lines_of(params.text_document.uri)
        if current is None:
            return None
        text, lines = current
        return completion_feature.completion(ls.latest(params.text_document.uri), text, lines.offset(params.position), lines)

    @server.feature(types.TEXT_DOCUMENT_SIGNATURE_HELP, types.SignatureHelpOptions(trigger_characters=["(", ","], retrigger_characters=[","]))
    def signature_help(ls: MigLanguageServer, params: types.SignatureHelpParams) -> types.SignatureHelp | None:
        current = ls.lines_of(params.text_document.uri)
        if current is None:
            return None
        text, lines = current
        return signature_feature.signature_help(ls.latest(params.text_document.uri), text, lines.offset(params.position))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: MigLanguageServer, params: types.HoverParams) -> types.Hover | None:
        snapshot = await ls.current(params.text_document.uri)
        return hover_feature.hover(snapshot, params.position) if snapshot else None

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: MigLanguageServer, params: types.DefinitionParams) -> list[types.Location] | None:
        snapshot = await ls.current(params.text_document.uri)
        return navigation_feature.definition(snapshot, params.position) if snapshot else None

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def references(ls: MigLanguageServer, params: types.ReferenceParams) -> list[types.Location] | None:
        snapshot = await ls.current(params.text_document.uri)
        if snapshot is None:
            return None
        target = target_at(snapshot, snapshot.offset_at(params.position))
        if target is None:
            return []
        others = await ls.others_mentioning(target.name, *_declaring_file(snapshot, target))
        return navigation_feature.references(snapshot, params.position, params.context.include_declaration, others)

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(ls: MigLanguageServer, params: types.PrepareRenameParams):
        snapshot = await ls.current(params.text_document.uri)
        return rename_feature.prepare_rename(snapshot, params.position) if snapshot else None

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    async def rename(ls: MigLanguageServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        snapshot = await ls.current(params.text_document.uri)
        if snapshot is None:
            return None
        target = target_at(snapshot, snapshot.offset_at(params.position))
        others = []
        if target is not None:
            others = await ls.others_mentioning(target.name, *_declaring_file(snapshot, target))
        try:
            return rename_feature.rename(snapshot, params.position, params.new_name, others)
        except rename_feature.RenameError as error:
            raise JsonRpcInvalidParams(str(error)) from None

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(ls: MigLanguageServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol] | None:
        snapshot = await ls.current(params.text_document.uri)
        return symbols_feature.document_symbols(snapshot) if snapshot else None

    @server.feature(types.WORKSPACE_SYMBOL)
    async def workspace_symbol(ls: MigLanguageServer, params: types.WorkspaceSymbolParams) -> list[types.WorkspaceSymbol]:
        opened = ls.open_snapshots()

        def collect() -> list[Snapshot]:
            chosen = {path_key(s.path): s for s in opened}
            for path in ls.index.files():
                if path_key(path) not in chosen:
                    snapshot = ls.index.snapshot(path)
                    if snapshot is not None:
                        chosen[path_key(path)] = snapshot
            return [chosen[key] for key in sorted(chosen)]

        snapshots = await ls.off_loop(collect)
        return symbols_feature.workspace_symbols(snapshots, params.query)

    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    async def folding_range(ls: MigLanguageServer, params: types.FoldingRangeParams) -> list[types.FoldingRange] | None:
        snapshot = await ls.current(params.text_document.uri)
        return folding_feature.folding_ranges(snapshot) if snapshot else None

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    async def formatting(ls: MigLanguageServer, params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        current = ls.lines_of(params.text_document.uri)
        if current is None:
            return None
        text, lines = current
        return await ls.off_loop(partial(formatting_feature.format_document, text, str(uri_to_path(params.text_document.uri)), lines))

    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, types.SemanticTokensRegistrationOptions(legend=tokens_feature.LEGEND, full=True))
    async def semantic_tokens(ls: MigLanguageServer, params: types.SemanticTokensParams) -> types.SemanticTokens | None:
        snapshot = await ls.current(params.text_document.uri)
        return tokens_feature.semantic_tokens(snapshot) if snapshot else None

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_action(ls: MigLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        snapshot = await ls.current(params.text_document.uri)
        return actions_feature.code_actions(snapshot, params.range) if snapshot else None

    return server


def _declaring_file(snapshot: Snapshot, target) -> tuple[Path, ...]:
    """The file declaring an imported name: its references and rename must include it even when
    it lies outside the workspace folders."""
    if target.definition is None:
        return ()
    path = snapshot.file_of(target.definition)
    return (path,) if path is not None else ()


def main(argv: list[str] | None = None) -> None:
    """Runs the server over stdio until the client says `exit`."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="migc-lsp %(levelname)s %(name)s: %(message)s")
    # Checks run on a worker thread and hold the GIL in pure Python; a shorter switch interval
    # (5 ms by default) lets the event loop answer completion and hover between their slices.
    sys.setswitchinterval(SWITCH_INTERVAL)
    create_server().start_io()

