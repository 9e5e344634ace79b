"""The on-disk cache of derived data: decoded catalogs and the parsed standard library.

Entries are keyed by a digest of their inputs and of the source of the code that derives them,
so an edited catalog, stdlib file or migc release never sees a stale entry. The cache only ever
saves time: any failure to read or write it falls back to deriving the value. It lives in
`$MIGC_CACHE_DIR`, else `$XDG_CACHE_HOME/migc`, else `~/.cache/migc`.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@cache
def cache_dir() -> Path:
    configured = os.environ.get("MIGC_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migc"


@cache
def code_digest(*modules: str) -> str:
    """A digest of the named modules' source files: derived data changes when they do."""
    import importlib.util

    digest = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:16]


def cached(kind: str, inputs: bytes, derive: Callable[[], T], *, code: tuple[str, ...]) -> T:
    """The value `derive()` returns for `inputs`, from the cache when an entry exists."""
    key = hashlib.sha256(inputs + code_digest(*code).encode()).hexdigest()[:32]
    path = cache_dir() / f"{kind}-{key}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # missing, unreadable or from another Python: derive it again
        pass
    value = derive()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{kind}-", delete=False) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except Exception:  # a read-only home or a full disk only costs the next run some time
        pass
    return value
