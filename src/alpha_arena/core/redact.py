"""Remove secrets from text before it is stored, printed or served.

Providers echo parts of a key in their error messages (``Incorrect API key provided:
sk-test-SECRET***``), and such a message would otherwise reach the audit trail, the CLI and
the API. ``redact`` removes key-like strings (``sk-...``, a remote agent's ``arsk_...`` signing
secret, bearer tokens, random-looking values after a key word) and every run of 8 or more
characters that starts a key this process has been configured with (``remember_secret``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

MASK = "***"
#: Shorter prefixes of a key are too common in ordinary text to remove.
MIN_PREFIX = 8

_KNOWN_KEY = re.compile(
    r"(?<![A-Za-z0-9])(?:sk|xai|gsk|hf|ghp|pk|rk|arsk)[-_][A-Za-z0-9_\-.*]{3,}"  # sk-ant-...
    r"|(?<![A-Za-z0-9])AIza[A-Za-z0-9_\-*]{8,}",  # Google
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=*\-]+")
_KEY_WORD = (
    r"api[_\- ]?key|access[_\- ]?token|auth[_\- ]?token|x-api-key|secret|password|token"
    r"|authorization|credentials?|key"
)
_IN_KEY_POSITION = re.compile(
    rf"(?i)\b({_KEY_WORD})(\"?'?\s*[:=]\s*\"?'?|\s+)([A-Za-z0-9._~+/=*\-]{{8,}})"
)

_lock = threading.Lock()
_secrets: set[str] = set()  # every key this process was configured with


def remember_secret(secret: str | None) -> None:
    """Redact ``secret`` (and any 8+ character prefix of it) from now on in this process."""
    if secret is None or len(secret) < MIN_PREFIX:
        return
    with _lock:
        _secrets.add(secret)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` without key-like strings, without the remembered secrets and without
    ``secrets`` (each also as any prefix of 8 or more characters)."""
    with _lock:
        known = {s for s in secrets if s and len(s) >= MIN_PREFIX} | _secrets
    # Key-like strings first, whole: removing a remembered key's prefix first would leave the
    # rest of another key that shares it ("sk-test-" of two test keys) no longer key-like.
    text = _KNOWN_KEY.sub(MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _IN_KEY_POSITION.sub(_masked_value, text)
    for secret in sorted(known, key=len, reverse=True):
        text = _without_prefixes(text, secret)
    return text


def _without_prefixes(text: str, secret: str) -> str:
    """Replace every run of text that equals a prefix (8+ characters) of ``secret``."""
    head = secret[:MIN_PREFIX]
    out: list[str] = []
    start = 0
    while (found := text.find(head, start)) >= 0:
        end = found + MIN_PREFIX
        while end < len(text) and end - found < len(secret) and text[end] == secret[end - found]:
            end += 1
        out += [text[start:found], MASK]
        start = end
    return "".join(out) + text[start:] if out else text


def _masked_value(match: re.Match[str]) -> str:
    value = match.group(3)
    # A value that looks random (a digit in it, or long) is a key; a plain word is not.
    looks_random = any(c.isdigit() for c in value) or "*" in value or len(value) >= 20
    return f"{match.group(1)}{match.group(2)}{MASK}" if looks_random else match.group(0)
