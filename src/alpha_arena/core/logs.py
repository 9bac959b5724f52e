"""Logging for every process of ours: one format, and no secret in any line. Libraries log what
they send (CCXT, at DEBUG, every request's headers: API key and passphrase included), so each
record is redacted on its way out (``core.redact``: key-like strings and every key this process
was configured with)."""

from __future__ import annotations

import logging
import sys

from alpha_arena.core.redact import redact


class RedactingFilter(logging.Filter):
    """Replace a record's message by its redacted text (its arguments merged in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def configure_logging(level: str) -> None:
    """Log to stderr at ``level``, every line redacted."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
