"""The example bot (examples/remote_bot.py) over loopback HTTP, with handcrafted requests: it
answers a request the arena signs, and refuses a bad signature, a stale timestamp and one from
the future, so a captured request cannot be replayed to it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from alpha_arena.agents.context import AccountContext, CoinContext, DecisionContext
from alpha_arena.agents.llm.parsing import parse_decision
from alpha_arena.agents.remote.signing import new_secret, signature, verify
from alpha_arena.agents.remote.wire import request_body
from alpha_arena.domain.decisions import Signal
from tests.support.remote_bot import example_bot, example_bot_module

SECRET = new_secret()
BTC = "BTC/USDT:USDT"


def body(last: float, ema: float) -> bytes:
    coin = CoinContext(BTC, 1_717_400_000_000, last, (last - 10, last), (ema - 5, ema),
                       (1.0, 1.0), (50.0, 50.0), (50.0, 50.0), None, None, None)  # fmt: skip
    account = AccountContext(10_000.0, 10_000.0, 10_000.0, 0.0, None, 0.0005, ())
    return request_body(DecisionContext(1_717_400_000_000, "1h", (coin,), account), 5, 30).encode()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with example_bot(SECRET) as (_, address):
        yield address


def post(url: str, content: bytes, timestamp: int, signed: str) -> httpx.Response:
    headers = {"X-Arena-Timestamp": str(timestamp), "X-Arena-Signature": signed}
    return httpx.post(url, content=content, headers=headers, timeout=5)


def test_a_signed_request_is_answered_long_above_the_ema_and_parses() -> None:
    with example_bot(SECRET) as (bot, url):
        now = int(time.time())
        answer = post(
            url, body(67_000.0, 66_000.0), now, signature(SECRET, now, body(67_000.0, 66_000.0))
        )
        assert answer.status_code == 200, answer.text
        parsed = parse_decision(answer.text, [BTC], 0)
        assert parsed.decision is not None
        (action,) = parsed.decision.actions
        assert (action.symbol, action.signal, action.notional) == (BTC, Signal.BUY_TO_ENTER, 1000.0)
        below = body(65_000.0, 66_000.0)
        answer = post(url, below, now, signature(SECRET, now, below))
        assert answer.json()["decisions"][0]["signal"] == "hold"
        assert bot.requests == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("age_s", "secret", "tamper", "reason"),
    [
        (0, "arsk_not-the-bots-secret-000000000000000000", False, "bad signature"),
        (0, SECRET, True, "bad signature"),
        (301, SECRET, False, "stale timestamp"),
        (-60, SECRET, False, "timestamp in the future"),
    ],
    ids=["forged", "tampered", "stale", "future"],  # the secret is random: never in an id
)
def test_the_bot_refuses_a_forged_tampered_stale_or_future_request(
    url: str, age_s: int, secret: str, tamper: bool, reason: str
) -> None:
    sent = body(67_000.0, 66_000.0)
    timestamp = int(time.time()) - age_s
    signed = signature(secret, timestamp, sent)
    content = sent.replace(b"67000.0", b"67001.0") if tamper else sent
    answer = post(url, content, timestamp, signed)
    assert answer.status_code == 401
    assert reason in answer.json()["error"]


def test_the_arena_signature_is_the_one_the_bot_and_the_docs_compute() -> None:
    sent = body(1.0, 1.0)
    bot = example_bot_module()
    assert signature(SECRET, 1_700_000_000, sent) == bot.expected_signature(
        SECRET, "1700000000", sent
    )
    now = time.time()
    stamp = int(now)
    assert verify(SECRET, str(stamp), signature(SECRET, stamp, sent), sent, now) is None
    assert verify(SECRET, str(stamp - 400), signature(SECRET, stamp - 400, sent), sent, now) == (
        "stale timestamp"
    )
    assert verify(SECRET, "soon", "sha256=00", sent, now) == "malformed timestamp"
