"""Signature help inside calls, counting a piped value as the first argument."""

from __future__ import annotations

from migc.lsp.features.signature_help import signature_help

from ..conftest import SAMPLE, cut


def help_at(snapshot, old, new):
    text, offset = cut(SAMPLE.replace(old, new, 1))
    return signature_help(snapshot, text, offset)


def test_piped_calls_start_at_the_second_parameter(sample):
    found = help_at(sample, "truncate(40)", "truncate(‸40)")
    assert found.signatures[0].label == "truncate(s: string, length: integer) -> string"
    assert found.active_parameter == 1
    assert [p.label for p in found.signatures[0].parameters] == ["s: string", "length: integer"]


def test_plain_calls_count_commas(sample):
    assert help_at(sample, "normalize_email(email)", "normalize_email(‸email)").active_parameter == 0
    found = help_at(sample, "normalize_email(email)", "e164(email, ‸)")
    assert found.active_parameter == 1 and found.signatures[0].parameters[1].label == "region: string = …"


def test_variadic_parameters_stay_active(sample):
    assert help_at(sample, "normalize_email(email)", "concat(a, b, c, ‸)").active_parameter == 0


def test_values_tables_and_outside_calls(sample):
    found = help_at(sample, "campaign_status(status)", "campaign_status(‸status)")
    assert found.signatures[0].label.startswith("campaign_status(value)")
    assert help_at(sample, "normalize_email(email)", "normalize_email(email)‸") is None
    assert help_at(sample, "normalize_email(email)", "nothing_known(‸)") is None
