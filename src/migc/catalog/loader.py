"""Owns finding, decoding and caching platform catalogs (with account overlays) from `specs/`.

`load_catalog("zoho_crm")` decodes `specs/zoho_crm.toml` into a `Catalog`; overlay files or
directories extend it (see migc.catalog.overlay). Results are cached per platform and overlay
files, keyed on each file's modification time and size so an edited file is read again.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Final, TypeVar

import msgspec

from migc.catalog.errors import CatalogError, display_path, error_from_validation
from migc.catalog.overlay import Overlay, apply_overlay
from migc.catalog.schema import Base, Catalog, did_you_mean
from migc.resources import specs_dir

__all__ = [
    "available_platforms",
    "clear_cache",
    "load_catalog",
    "overlay_files",
    "read_catalog",
    "read_overlay",
]

OVERLAY_SUFFIX: Final = ".overlay.toml"
_CACHE_SIZE: Final = 64

StructT = TypeVar("StructT", bound=Base)
# A file and its (mtime_ns, size) when read: the cache key part that notices edits.
_Stamp = tuple[Path, int, int]


def available_platforms() -> list[str]:
    """Names of the platforms that have a catalog in `specs/`, sorted."""
    return sorted(path.stem for path in specs_dir().glob("*.toml"))


def load_catalog(platform: str, overlays: Sequence[Path] = ()) -> Catalog:
    """The catalog of `platform` extended by `overlays` (files, or directories of overlays).

    Raises CatalogError (file, `$.path`, message) for an unknown platform or a broken file.
    """
    stamps = tuple(_stamp(path) for path in (_catalog_path(platform), *overlay_files(platform, overlays)))
    return _load(stamps)


def overlay_files(platform: str, overlays: Sequence[Path]) -> list[Path]:
    """The overlay files to apply, in the order given; a directory stands for its
    `*.<platform>.overlay.toml` files, sorted by name."""
    files: list[Path] = []
    for entry in overlays:
        path = Path(entry)
        if path.is_dir():
            files.extend(sorted(path.glob(f"*.{platform}{OVERLAY_SUFFIX}")))
        elif path.is_file():
            # `--specs acme.zoho_crm.overlay.toml` applies to the Zoho catalog only, not the source's.
            named_for = next((p for p in available_platforms() if path.name.endswith(f".{p}{OVERLAY_SUFFIX}")), None)
            if named_for is None or named_for == platform:
                files.append(path)
        else:
            raise CatalogError(display_path(path), "", "overlay file or directory not found")
    return files


def read_catalog(path: Path) -> Catalog:
    """Decode one catalog file (no overlays, no cache)."""
    catalog = _read_toml(path, Catalog)
    if catalog.platform.name != path.stem:
        raise CatalogError(
            display_path(path),
            "$.platform.name",
            f"platform name {catalog.platform.name!r} does not match the file name {path.stem!r}",
        )
    return catalog


def _decoded_catalog(path: Path) -> Catalog:
    """`read_catalog` through the on-disk cache: TOML parsing is most of a catalog's load time.
    A file with errors is never cached (decoding raises before anything is stored)."""
    from migc.cache import cached

    try:
        data = path.read_bytes()
    except OSError:
        return read_catalog(path)  # reports the error
    return cached("catalog", str(path).encode() + b"\0" + data, lambda: read_catalog(path), code=("migc.catalog.schema",))


def read_overlay(path: Path) -> Overlay:
    """Decode one overlay file."""
    return _read_toml(path, Overlay)


def _catalog_path(platform: str) -> Path:
    path = specs_dir() / f"{platform}.toml"
    if path.is_file():
        return path
    known = available_platforms()
    raise CatalogError(
        display_path(path),
        "",
        f"no catalog for platform {platform!r}{did_you_mean(platform, known)} "
        f"(available: {', '.join(known) or 'none'})",
    )


def _stamp(path: Path) -> _Stamp:
    try:
        status = path.stat()
    except OSError as error:
        raise CatalogError(display_path(path), "", f"cannot read: {error.strerror}") from None
    return (path.resolve(), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _load(stamps: tuple[_Stamp, ...]) -> Catalog:
    catalog_stamp, *overlay_stamps = stamps
    catalog = _decoded_catalog(catalog_stamp[0])
    for path, _, _ in overlay_stamps:
        catalog = apply_overlay(catalog, read_overlay(path), display_path(path))
    return catalog


def _read_toml(path: Path, struct_type: type[StructT]) -> StructT:
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CatalogError(shown, "", f"cannot read: {error.strerror}") from None
    try:
        # msgspec has no TOML Decoder object to build once: it parses with tomllib and converts,
        # caching each type's validators on first use.
        return msgspec.toml.decode(data, type=struct_type)
    except msgspec.ValidationError as error:
        # Parse again only on failure: the raw tables let the error name the failing keys.
        import tomllib  # only an invalid catalog gets here

        raw = tomllib.loads(data.decode("utf-8"))
        raise error_from_validation(error, shown, raw, struct_type) from None
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise CatalogError(shown, "", f"not valid TOML: {error}") from None


def clear_cache() -> None:
    """Forget every loaded catalog (tests; long-lived processes after `migc specs pull`)."""
    _load.cache_clear()

