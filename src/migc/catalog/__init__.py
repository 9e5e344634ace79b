"""Platform schema catalogs: what objects and fields each platform has, and its API limits.

`load_catalog(platform, overlays)` returns a frozen `Catalog`; see docs/catalogs.md for the format.
"""

from migc.catalog.errors import CatalogError
from migc.catalog.loader import available_platforms, clear_cache, load_catalog
from migc.catalog.overlay import Overlay, apply_overlay, encode_overlay, overlay_between, write_overlay
from migc.catalog.schema import Catalog, FieldSpec, ObjectSpec, PlatformInfo

__all__ = [
    "Catalog",
    "CatalogError",
    "FieldSpec",
    "ObjectSpec",
    "Overlay",
    "PlatformInfo",
    "apply_overlay",
    "available_platforms",
    "clear_cache",
    "encode_overlay",
    "load_catalog",
    "overlay_between",
    "write_overlay",
]
