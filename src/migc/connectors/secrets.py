"""Credentials: the redacted `Secret` type and where connector credentials are loaded from.

A credential is read from the environment first (`MIGC_<PLATFORM>_<NAME>`, e.g.
`MIGC_ZOHO_CRM_TOKEN`), then from a TOML file outside the repository,
`$XDG_CONFIG_HOME/migc/credentials.toml` (default `~/.config/migc/credentials.toml`)::

    [zoho_crm]
    token = "1000.abc..."
    base_url = "https://www.zohoapis.eu/crm/v8"

Values are wrapped in `Secret` at once. Its `repr`/`str` are redacted, it refuses to be pickled
or encoded, and only `reveal()` hands out the value, which only the HTTP layer calls to build an
auth header. Error messages name the variable or file that was consulted, never a value.
"""

from __future__ import annotations

import hmac
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import msgspec

REDACTED = "********"

# Names whose values are not secret (they may be shown in messages and settings reprs).
PLAIN_NAMES = frozenset({"base_url", "accounts_url", "company_domain"})


class CredentialsError(Exception):
    """A credential is missing or its file is unreadable; the message says where to put it."""


class Secret:
    """A string that cannot leak by accident: redacted repr/str, no pickling, no encoding."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value:
            raise CredentialsError("a secret must be a non-empty string")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{REDACTED}')"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, len(self._value)))

    def __reduce__(self):  # pickling would write the value to disk
        raise TypeError("Secret values cannot be pickled")


class Credentials(msgspec.Struct, frozen=True, kw_only=True):
    """Everything known about how to log in to one platform account."""

    platform: str
    token: Secret
    extra: dict[str, Secret] = msgspec.field(default_factory=dict)
    options: dict[str, str] = msgspec.field(default_factory=dict)
    base_url: str | None = None


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    config_home = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "migc" / "credentials.toml"


def env_prefix(platform: str) -> str:
    return f"MIGC_{platform.upper()}_"


def load_credentials(
    platform: str,
    *,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Credentials:
    """Credentials for `platform` from the environment, else from the credentials file."""
    environ = os.environ if environ is None else environ
    prefix = env_prefix(platform)
    values: dict[str, str] = {
        name[len(prefix):].lower(): value
        for name, value in environ.items()
        if name.startswith(prefix) and value
    }
    path = config_path if config_path is not None else default_config_path(environ)
    if "token" not in values:
        values = {**_read_file_section(path, platform), **values}
    if "token" not in values:
        raise CredentialsError(
            f"no credentials for {platform}: set {prefix}TOKEN or add a [{platform}] section "
            f"with token = \"...\" to {path}"
        )
    base_url = values.pop("base_url", None)
    token = Secret(values.pop("token"))
    extra = {name: Secret(value) for name, value in sorted(values.items()) if name not in PLAIN_NAMES}
    options = {name: value for name, value in sorted(values.items()) if name in PLAIN_NAMES}
    return Credentials(platform=platform, token=token, extra=extra, options=options, base_url=base_url)


def _read_file_section(path: Path, platform: str) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise CredentialsError(f"cannot read credentials file {path}: {error.__class__.__name__}") from None
    except tomllib.TOMLDecodeError:
        # The decoder's message may quote the offending line, which may hold a token.
        raise CredentialsError(f"credentials file {path} is not valid TOML") from None
    section = document.get(platform, {})
    if not isinstance(section, dict):
        raise CredentialsError(f"credentials file {path}: [{platform}] must be a table")
    return {str(name): str(value) for name, value in section.items() if isinstance(value, str | int)}


def redact(text: str, secrets: list[Secret] | tuple[Secret, ...]) -> str:
    """`text` with every secret's value replaced by the redaction marker."""
    for secret in secrets:
        text = text.replace(secret.reveal(), REDACTED)
    return text
