"""Every log line is redacted on its way out: a library that logs a request's headers (CCXT at
DEBUG) cannot put an exchange key, secret or passphrase in the log."""

from __future__ import annotations

import io
import logging

from alpha_arena.core.logs import RedactingFilter
from alpha_arena.core.redact import remember_secret

PASSPHRASE = "Logs-pass-phrase-99"


def logged(message: str, *args: object, error: BaseException | None = None) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.core.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        if error is None:
            logger.debug(message, *args)
        else:
            try:
                raise error
            except type(error):
                logger.exception(message, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_headers_logged_by_a_library_lose_the_key_and_the_passphrase() -> None:
    remember_secret(PASSPHRASE)
    headers = {"OK-ACCESS-KEY": "0f3c9a7e-5b1d-4e2a-9c8f-7d6e5a4b3c2d",
               "OK-ACCESS-PASSPHRASE": PASSPHRASE, "x-simulated-trading": "1"}  # fmt: skip
    line = logged("POST /api/v5/trade/order, Request: %s", headers)
    assert PASSPHRASE not in line
    assert "0f3c9a7e-5b1d-4e2a-9c8f-7d6e5a4b3c2d" not in line
    assert "/api/v5/trade/order" in line and "x-simulated-trading" in line


def test_a_traceback_is_redacted_too() -> None:
    remember_secret(PASSPHRASE)
    line = logged("order failed", error=RuntimeError(f"refused for {PASSPHRASE}"))
    assert "RuntimeError" in line
    assert PASSPHRASE not in line


def test_a_line_without_secrets_is_unchanged() -> None:
    assert logged("season %d: tick %d committed", 3, 7) == "season 3: tick 7 committed\n"
