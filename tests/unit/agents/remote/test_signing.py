"""The signing scheme against an independent computation (the documented recipe with hashlib
and hmac), the freshness rules a bot applies, and a secret's shape that redaction knows."""

from __future__ import annotations

import hashlib
import hmac

from alpha_arena.agents.remote.signing import MAX_AGE_S, new_secret, signature, verify
from alpha_arena.core.redact import redact

BODY = b'{"context":{},"deadline_s":30.0,"max_leverage":10.0,"version":1}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() -> None:
    secret = "arsk_test"
    expected = hmac.new(b"arsk_test", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(secret, 1_700_000_000, BODY) == f"sha256={expected}"
    assert signature(secret, 1_700_000_001, BODY) != signature(secret, 1_700_000_000, BODY)


def test_a_bot_accepts_fresh_requests_only() -> None:
    secret, now = new_secret(), 1_700_000_000.5
    signed = signature(secret, 1_700_000_000, BODY)
    assert verify(secret, "1700000000", signed, BODY, now) is None
    assert verify(secret, "1700000000", signed, BODY, now + MAX_AGE_S + 1) == "stale timestamp"
    future = signature(secret, 1_700_000_060, BODY)
    assert verify(secret, "1700000060", future, BODY, now) == "timestamp in the future"
    assert verify(secret, "1700000000", signed, BODY + b" ", now) == "bad signature"
    assert verify(new_secret(), "1700000000", signed, BODY, now) == "bad signature"


def test_secrets_are_random_and_redacted_wherever_they_appear() -> None:
    first, second = new_secret(), new_secret()
    assert first != second and first.startswith("arsk_") and len(first) == 5 + 43
    assert first not in redact(f"the bot refused: HMAC with {first} did not match")
    assert redact("nothing secret here: ask the bot") == "nothing secret here: ask the bot"
