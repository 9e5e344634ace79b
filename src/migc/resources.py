"""Locates the data directories (grammar/, specs/, stdlib/) in a checkout and in an installed wheel.

This is the only module that knows where those files live. In a checkout they sit at the repository
root; in a wheel, hatchling's force-include puts them under `migc/_data/`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    """The directory holding grammar/, specs/ and stdlib/."""
    installed = _PACKAGE_DIR / "_data"
    if (installed / "grammar").is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent.parent
    if (checkout / "grammar").is_dir():
        return checkout
    raise FileNotFoundError(
        f"migc data files not found: looked in {installed} and {checkout}; the installation is broken"
    )


def grammar_path() -> Path:
    return data_root() / "grammar" / "mig.lark"


def specs_dir() -> Path:
    return data_root() / "specs"


def stdlib_dir() -> Path:
    return data_root() / "stdlib"
