"""The request signature of remote agents: HMAC-SHA256 over the timestamp and the body.

``X-Arena-Timestamp`` holds the moment of sending in whole epoch seconds (wall clock: the bot
compares it with its own clock to refuse replays) and ``X-Arena-Signature`` holds
``sha256=`` and the lower-case hex digest of HMAC-SHA256(secret, f"{timestamp}.".encode() +
body), the secret taken as its UTF-8 bytes and the body as the exact bytes sent."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TIMESTAMP_HEADER = "X-Arena-Timestamp"
SIGNATURE_HEADER = "X-Arena-Signature"
AGENT_HEADER = "X-Arena-Agent"
#: What a bot should accept: a timestamp at most this old (and none from the future).
MAX_AGE_S = 300
#: Recognisable in a configuration file or a leaked log line.
SECRET_PREFIX = "arsk_"


def new_secret() -> str:
    """A new signing secret: 256 random bits, url-safe."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of ``X-Arena-Signature`` for ``body`` sent at ``timestamp``."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, given: str, body: bytes, now_s: float) -> str | None:
    """Why a request is refused (a bot's check, here for the tests and the docs), or None."""
    try:
        sent = int(timestamp)
    except ValueError:
        return "malformed timestamp"
    if sent > now_s + 1:
        return "timestamp in the future"
    if now_s - sent > MAX_AGE_S:
        return "stale timestamp"
    if not hmac.compare_digest(signature(secret, sent, body), given):
        return "bad signature"
    return None
