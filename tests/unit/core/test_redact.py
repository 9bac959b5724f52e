"""Secrets removed from text before it is stored, printed or served."""

from __future__ import annotations

import pytest

from alpha_arena.core.redact import redact, remember_secret

KEY = "sk-test-SECRET0123456789abcdef"


@pytest.mark.parametrize(
    "message",
    [
        "Incorrect API key provided: sk-test-SECRET***. Find your key at platform.example.",
        "invalid x-api-key: sk-ant-api03-AbCdEf0123456789",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7",
        'request failed: {"api_key": "Zx9Qw8Er7Ty6Ui5Op4As3Df2"}',
        "key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv rejected",
        "token: 0a1b2c3d4e5f6a7b8c9d rejected",
    ],
    ids=["openai-echo", "anthropic-key", "bearer", "json-key", "google-key", "token"],
)
def test_key_like_strings_are_masked(message: str) -> None:
    cleaned = redact(message)
    for secret in ("SECRET", "AbCdEf0123", "eyJhbGci", "Zx9Qw8Er", "AIzaSyA1b2", "0a1b2c3d"):
        assert secret not in cleaned
    assert "***" in cleaned


def test_any_prefix_of_eight_or_more_characters_of_a_given_key_is_masked() -> None:
    key = "Qm9vLWtleS1mb3ItdGVzdHM"  # no known shape: only its being configured gives it away
    echoed = f"bad request for {key[:11]}... and {key[:20]}XYZ, keys start {key[:7]}"
    cleaned = redact(echoed, [key])
    assert key[:8] not in cleaned
    assert cleaned.endswith(f"keys start {key[:7]}")  # shorter than 8: ordinary text
    assert "XYZ" in cleaned  # only the part that matches the key goes


def test_a_remembered_key_is_masked_everywhere_afterwards() -> None:
    secret = "plainwordlookingkey"  # no digit, no known prefix: only the registry knows it
    assert redact(f"echo {secret[:12]}") == f"echo {secret[:12]}"
    remember_secret(secret)
    assert redact(f"echo {secret[:12]}") == "echo ***"


def test_ordinary_text_is_left_alone() -> None:
    text = (
        "LLM provider deepseek rejected the request (HTTP 400): the key provided is too long; "
        "max_tokens=2000, model deepseek-chat, 3 attempts"
    )
    assert redact(text) == text


def test_a_key_sharing_a_prefix_with_a_given_one_is_masked_whole() -> None:
    # "sk-test-" is a prefix of both: masking it first would leave the other key's tail
    masked = redact("Incorrect API key provided: sk-test-ABCDEF123456", ["sk-test-SECRET-987"])
    assert masked == "Incorrect API key provided: ***"
