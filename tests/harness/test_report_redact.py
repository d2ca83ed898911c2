"""Tests for proxyharness.harness.report_redact: passwords masked again in reports."""

from __future__ import annotations

import pytest

from proxyharness.harness.report_redact import Redactor, redact_run
from proxyharness.harness.results import REDACTED, CaseResult, RunResult, Verdict


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("proxy http://user:Url-s3cret@127.0.0.1:3128 refused", "Url-s3cret"),
        ("Proxy-Authorization: Basic dXNlcjpCYXNpYy1zM2NyZXQ=", "Basic-s3cret"),
        ("PROXY-AUTHORIZATION: Bearer Tok3n-value", "Tok3n-value"),
        ("header {'AuThOrIzAtIoN': 'Digest Dig3st-value'}", "Dig3st-value"),
    ],
)
def test_secret_in_text_is_found_and_scrubbed(text: str, secret: str) -> None:
    """A secret in a URL or an Authorization text, in any case, is collected and masked."""
    redactor = Redactor()
    redactor.mask(text)
    assert secret in redactor.secrets
    assert secret not in redactor.scrub(f"{text} and again: {secret}")


def test_text_without_secrets_is_unchanged() -> None:
    """Text with no '@' and no authorization keeps every character."""
    redactor = Redactor()
    text = "connected to 127.0.0.1:3128 in 0.01 s"
    assert redactor.mask(text) == text
    assert redactor.scrub(text) == text


def test_password_keys_and_credentials_are_masked() -> None:
    """Values under a password key and the second half of credentials become REDACTED."""
    redactor = Redactor()
    masked = redactor.mask({"password": "Key-s3cret", "credentials": ["user", "Pair-s3cret"]})
    assert masked == {"password": REDACTED, "credentials": ["user", REDACTED]}
    assert redactor.scrub("Key-s3cret, Pair-s3cret") == f"{REDACTED}, {REDACTED}"


def test_secrets_added_later_are_scrubbed_longest_first() -> None:
    """A secret collected after a scrub counts at the next one; the longest goes first."""
    redactor = Redactor()
    redactor.mask({"password": "abc"})
    assert redactor.scrub("abcdef") == f"{REDACTED}def"
    redactor.mask({"password": "abcdef"})
    assert redactor.scrub("abcdef") == REDACTED


def test_redact_run_masks_every_case() -> None:
    """Each case comes back masked; the redactor holds what it found."""
    case = CaseResult(
        scenario_id="URL-05.x",
        rule="URL-05",
        description="d",
        agent="a",
        verdict=Verdict.FAIL,
        observed={"credentials": ["user", "Run-s3cret"]},
        client_error="rejected with Run-s3cret",
    )
    run = RunResult(agents=("a",), cases=(case,))
    cases, redactor = redact_run(run)
    assert cases[0].observed == {"credentials": ["user", REDACTED]}
    assert cases[0].client_error == f"rejected with {REDACTED}"
    assert "Run-s3cret" in redactor.secrets
