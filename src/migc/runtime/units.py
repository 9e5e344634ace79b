"""A map's units of work, read from the source: each record decoded to typed values, routed
(`where`, `otherwise`), and made one unit, or one per `distinct` key, or grouped for `summarize`."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable

from migc import ir
from migc.catalog.schema import Catalog
from migc.compiler.codegen import CompiledProgram, MapFunctions
from migc.connectors.base import SourceConnector
from migc.runtime.builtins import BuiltinError
from migc.runtime.records import decoder_for, group_sid, source_id
from migc.runtime.scratch import Grouping
from migc.runtime.stages import Unit


class UnitReader:
    """Reads the units of the maps of one compiled program."""

    def __init__(self, *, compiled: CompiledProgram, source_catalog: Catalog, source: SourceConnector, since: dt.datetime | None) -> None:
        self.compiled = compiled
        self.source_catalog = source_catalog
        self.source = source
        self.since = since  # delta runs: source records changed since

    async def read(self, program: ir.MapProgram, functions: MapFunctions) -> AsyncIterator[Unit]:
        """Every unit of work of `program`: records, or groups of records for `summarize`, after
        routing and `distinct`, in source order (groups in the order of their first record)."""
        id_field = self._source_id_field(program.source)
        decode = decoder_for(self.source_catalog.objects.get(program.source))
        others = self._earlier_routes(program)
        seen: set[tuple] = set()
        grouping = Grouping() if program.grouping == "summarize" else None
        try:
            async for raw in self.source.read(program.source, since=self.since):
                try:
                    record = decode(raw)
                except BuiltinError as error:
                    yield Unit(sid=source_id(raw, id_field), first=raw, error=str(error))
                    continue
                try:
                    if functions.route is not None and not functions.route(record):
                        continue
                    if program.route == "otherwise" and any(route(record) for route in others):
                        continue
                    key = functions.group_key(record) if program.grouping else None
                except Exception as error:  # a route or group key that fails on a bad value
                    yield Unit(sid=source_id(raw, id_field), first=raw, error=str(error) or type(error).__name__,
                               span=self.compiled.span_of(error))
                    continue
                if grouping is not None:
                    grouping.add(key, raw)
                    continue
                if program.grouping == "distinct":
                    if key in seen:
                        continue
                    seen.add(key)
                    sid = group_sid(key)
                else:
                    sid = source_id(record, id_field)
                yield Unit(sid=sid, payload=record, first=record)
            if grouping is not None:
                for key, raws in grouping.groups():
                    members = [decode(raw) for raw in raws]
                    yield Unit(sid=key, payload=members, first=members[0])
        finally:
            if grouping is not None:
                grouping.close()

    def _earlier_routes(self, program: ir.MapProgram) -> list[Callable[[dict], bool]]:
        if program.route != "otherwise":
            return []
        routes = []
        for other in self.compiled.program.maps:
            if other.id == program.id:
                break
            if other.source == program.source and other.route == "where":
                route = self.compiled.maps[other.id].route
                if route is not None:
                    routes.append(route)
        return routes

    def _source_id_field(self, source_object: str) -> str:
        spec = self.source_catalog.objects.get(source_object)
        return spec.id_field if spec is not None else ""
