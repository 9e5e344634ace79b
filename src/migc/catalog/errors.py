"""Owns how catalog and overlay problems are reported: `CatalogError` naming the file and `$.path`.

msgspec reports where a value failed as a JSON path, but writes every dictionary key as `[...]`
(`$.objects[...].fields[...].type`). A catalog is mostly dictionaries keyed by object and field
names, so `error_from_validation` walks the raw data along that path and puts the real keys back
(`$.objects.Contacts.fields.Last_Name.type`). The walk runs only when something is already wrong.
"""

from __future__ import annotations

import datetime
import re
import types
import typing
from pathlib import Path
from typing import Any, Final

import msgspec

from migc.catalog.schema import RuleViolation

__all__ = ["CatalogError", "display_path", "error_from_validation"]

_AT: Final = re.compile(r"^(?P<message>.*) - at `(?P<path>\$[^`]*)`$", re.DOTALL)
_SEGMENT: Final = re.compile(r"\.([^.\[]+)|\[(\.\.\.|\d+)\]")
_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_$\-]+$")
# The same conversion options msgspec.toml.decode uses, so re-validating a part fails the same way.
_TOML_BUILTINS: Final = (datetime.datetime, datetime.date, datetime.time)


class CatalogError(Exception):
    """A catalog or overlay that cannot be used, located by file and JSON path."""

    def __init__(self, file: str, json_path: str, message: str) -> None:
        super().__init__(file, json_path, message)
        self.file = file
        self.json_path = json_path
        self.message = message

    def __str__(self) -> str:
        where = f"{self.file}: {self.json_path}" if self.json_path else self.file
        return f"{where}: {self.message}"


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies inside it, else absolute."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def error_from_validation(
    error: msgspec.ValidationError, file: str, raw: object, root_type: type
) -> CatalogError:
    """Turn msgspec's error about `raw` (decoded as `root_type`) into a CatalogError with named keys."""
    text = str(error)
    match = _AT.match(text)
    message, path = (match["message"], match["path"]) if match else (text, "$")
    path = _name_keys(path, raw, root_type)
    cause = error.__cause__
    if isinstance(cause, RuleViolation):
        message = cause.message
        path = _join(path, cause.subpath)
    return CatalogError(file, path, message)


def _join(path: str, subpath: str) -> str:
    return path + (subpath if subpath.startswith("[") else "." + subpath)


def _render_key(key: str) -> str:
    return f".{key}" if _BARE_KEY.match(key) else f"[{key!r}]"


def _convert_fails(value: object, value_type: Any) -> bool:
    try:
        msgspec.convert(value, value_type, str_keys=True, builtin_types=_TOML_BUILTINS)
    except msgspec.ValidationError:
        return True
    return False


def _unwrap(annotation: Any, value: object) -> Any:
    """Strip Annotated, and pick the member of a union that can hold `value`'s container kind."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(annotation) if m is not type(None)]
            wanted = dict if isinstance(value, dict) else list if isinstance(value, list) else None
            annotation = next((m for m in members if _container(m) is wanted), members[0])
        else:
            return annotation


def _container(annotation: Any) -> type | None:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _container(typing.get_args(annotation)[0])
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)):
        return dict
    if origin in (list, tuple):
        return list
    return None


def _struct_field_type(struct_type: type, encoded_name: str) -> Any:
    hints = typing.get_type_hints(struct_type, include_extras=True)
    for field in msgspec.structs.fields(struct_type):
        if field.encode_name == encoded_name:
            return hints[field.name]
    return None


def _name_keys(path: str, raw: object, root_type: type) -> str:
    """Replace each `[...]` in msgspec's `path` with the dictionary key whose value fails."""
    named = "$"
    value: object = raw
    annotation: Any = root_type
    walkable = True
    for attribute, index in _SEGMENT.findall(path[1:]):
        if walkable:
            annotation = _unwrap(annotation, value)
        if attribute:
            named += f".{attribute}"
            if walkable and isinstance(value, dict) and isinstance(annotation, type):
                annotation = _struct_field_type(annotation, attribute)
                value = value.get(attribute)
                walkable = annotation is not None
            else:
                walkable = False
        elif index == "...":
            key = None
            if walkable and isinstance(value, dict) and typing.get_origin(annotation) is dict:
                item_type = typing.get_args(annotation)[1]
                key = next((k for k, v in value.items() if _convert_fails(v, item_type)), None)
                if key is not None:
                    value, annotation = value[key], item_type
            named += _render_key(str(key)) if key is not None else "[...]"
            walkable = key is not None
        else:
            named += f"[{index}]"
            if walkable and isinstance(value, list) and typing.get_origin(annotation) in (list, tuple):
                position = int(index)
                value = value[position] if position < len(value) else None
                annotation = typing.get_args(annotation)[0]
            else:
                walkable = False
    return named
