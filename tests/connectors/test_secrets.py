"""Tests for migc.connectors.secrets, and the canary test: a token never leaks anywhere."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import httpx
import msgspec
import pytest

from migc.connectors import zoho_crm
from migc.connectors.base import AuthenticationFailed, ConnectionSettings
from migc.connectors.retry import RetryPolicy
from migc.connectors.secrets import CredentialsError, Secret, default_config_path, load_credentials, redact
from migc.sandbox import zoho_crm as zoho_sandbox
from migc.sandbox.base import SandboxConfig
from migc.sandbox.faults import FaultConfig
from migc.sandbox.store import Store

CANARY = "canary-7f3a9c1e5b2d4068"


class TestSecret:
    def test_repr_str_format_are_redacted(self) -> None:
        secret = Secret(CANARY)
        for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>40}", repr([secret])):
            assert CANARY not in text
        assert secret.reveal() == CANARY

    def test_cannot_be_pickled_or_encoded(self) -> None:
        with pytest.raises(TypeError):
            pickle.dumps(Secret(CANARY))
        with pytest.raises(TypeError) as raised:
            msgspec.json.encode({"token": Secret(CANARY)})
        assert CANARY not in str(raised.value)

    def test_equality_by_value(self) -> None:
        assert Secret("a") == Secret("a")
        assert Secret("a") != Secret("b")

    def test_empty_is_refused(self) -> None:
        with pytest.raises(CredentialsError):
            Secret("")

    def test_redact(self) -> None:
        assert redact(f"token={CANARY}!", [Secret(CANARY)]) == "token=********!"


class TestLoadCredentials:
    def test_environment_wins(self, tmp_path: Path) -> None:
        config = tmp_path / "credentials.toml"
        config.write_text('[zoho_crm]\ntoken = "from-file"\n')
        environ = {"MIGC_ZOHO_CRM_TOKEN": "from-env", "MIGC_ZOHO_CRM_REFRESH_TOKEN": "r", "MIGC_ZOHO_CRM_BASE_URL": "https://www.zohoapis.eu/crm/v8"}
        credentials = load_credentials("zoho_crm", environ=environ, config_path=config)
        assert credentials.token.reveal() == "from-env"
        assert credentials.extra["refresh_token"].reveal() == "r"
        assert credentials.base_url == "https://www.zohoapis.eu/crm/v8"

    def test_file_section(self, tmp_path: Path) -> None:
        config = tmp_path / "credentials.toml"
        config.write_text('[pipedrive]\ntoken = "abc"\ncompany_domain = "acme"\n')
        credentials = load_credentials("pipedrive", environ={}, config_path=config)
        assert credentials.token.reveal() == "abc"
        assert credentials.options == {"company_domain": "acme"}
        assert "abc" not in repr(credentials)

    def test_default_path_follows_xdg(self, tmp_path: Path) -> None:
        assert default_config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "migc" / "credentials.toml"

    def test_missing_names_both_places(self, tmp_path: Path) -> None:
        with pytest.raises(CredentialsError, match="MIGC_FRESHSALES_TOKEN") as raised:
            load_credentials("freshsales", environ={}, config_path=tmp_path / "none.toml")
        assert "none.toml" in str(raised.value)

    def test_broken_file_does_not_quote_its_content(self, tmp_path: Path) -> None:
        config = tmp_path / "credentials.toml"
        config.write_text(f'[zoho_crm]\ntoken = "{CANARY}\n')
        with pytest.raises(CredentialsError, match="not valid TOML") as raised:
            load_credentials("zoho_crm", environ={}, config_path=config)
        assert CANARY not in str(raised.value)

    def test_settings_from_credentials(self, tmp_path: Path) -> None:
        credentials = load_credentials("zoho_crm", environ={"MIGC_ZOHO_CRM_TOKEN": CANARY}, config_path=tmp_path / "x")
        settings = ConnectionSettings.from_credentials(credentials, base_url=zoho_crm.DEFAULT_BASE_URL)
        assert settings.base_url == zoho_crm.DEFAULT_BASE_URL
        assert CANARY not in repr(settings)


async def refresh_flow_texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    """A token refresh with canary client credentials: the accounts call must not log them."""
    from migc.sandbox import base as sandbox_base

    canaries = {"client_id": CANARY + "-id", "client_secret": CANARY + "-secret", "refresh_token": CANARY + "-refresh"}
    original = dict(sandbox_base.SANDBOX_CREDENTIALS["zoho_crm"])
    sandbox_base.SANDBOX_CREDENTIALS["zoho_crm"].update(canaries)
    try:
        app = zoho_sandbox.create_app(SandboxConfig(token=CANARY, options={"access_token_uses": 1}), Store())
        settings = ConnectionSettings(
            platform="zoho_crm",
            base_url="http://sandbox.invalid/crm/v8",
            token=Secret(CANARY),
            extra={name: Secret(value) for name, value in canaries.items()},
            options={"accounts_url": "http://sandbox.invalid"},
        )
        async with zoho_crm.connect(settings, transport=httpx.ASGITransport(app=app)) as connector:
            for batch in range(3):
                results = await connector.create("Contacts", [{"Last_Name": f"R{batch}"}])
                assert results[0].ok
        assert app.state.profile.issued >= 2
        return [caplog.text, repr(settings), repr(connector.stats())]
    finally:
        sandbox_base.SANDBOX_CREDENTIALS["zoho_crm"].clear()
        sandbox_base.SANDBOX_CREDENTIALS["zoho_crm"].update(original)


async def test_canary_never_leaks(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Drive a connector through success, faults, throttling and auth failure with a canary token,
    then grep every log line, exception, repr, stats snapshot, saved store and document."""
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    store = Store()
    config = SandboxConfig(token=CANARY, faults=FaultConfig(seed=5, throttle_rate=0.2, server_error_rate=0.2, drop_rate=0.1))
    app = zoho_sandbox.create_app(config, store)
    settings = ConnectionSettings(
        platform="zoho_crm",
        base_url="http://sandbox.invalid/crm/v8",
        token=Secret(CANARY),
        retry=RetryPolicy(base_delay=0.001, max_delay=0.002),
        seed=1,
    )
    async with zoho_crm.connect(settings, transport=httpx.ASGITransport(app=app)) as connector:
        results = []
        for batch in range(10):
            records = [{"Last_Name": f"L{batch}", "Email": f"u{batch}-{i}@x.io"} for i in range(3)]
            results += await connector.create("Contacts", records)
            results += await connector.upsert("Contacts", records, ["Email"])
        texts += [repr(connector), repr(connector.stats()), repr(results), repr(settings)]
        texts += [repr(entry) for entry in app.state.traffic.entries]
    texts += await refresh_flow_texts(caplog)
    wrong = ConnectionSettings(platform="zoho_crm", base_url=settings.base_url, token=Secret(CANARY + "-wrong"))
    async with zoho_crm.connect(wrong, transport=httpx.ASGITransport(app=app)) as connector:
        with pytest.raises(AuthenticationFailed) as raised:
            await connector.create("Contacts", [{"Last_Name": "x"}])
        texts += [str(raised.value), repr(raised.value), repr(raised.value.__context__), repr(raised.value.__cause__)]
    store.save(tmp_path / "store.json")
    texts.append((tmp_path / "store.json").read_text())
    texts.append(caplog.text)
    docs = Path(__file__).resolve().parents[2] / "docs" / "connectors.md"
    if docs.exists():
        texts.append(docs.read_text())
    leaks = [text[:200] for text in texts if CANARY in text]
    assert not leaks
    assert any("retry" in record.getMessage() for record in caplog.records), "the run should have logged retries"
