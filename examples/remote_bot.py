"""A tiny remote agent for Alpha Arena: standard library only (http.server, hmac, json).

It checks every request's signature (HMAC-SHA256 with the secret ``arena agent add`` printed,
over ``timestamp + "." + body``), refuses a timestamp older than 5 minutes or from the future
(a replayed request), and answers with one rule per coin: long while the last close is above
its EMA20, flat otherwise (the protocol: docs/remote-agents.md).

Usage::

    export ARENA_BOT_SECRET=arsk_...          # printed once by `arena agent add`
    python examples/remote_bot.py --port 8765  # listens on 127.0.0.1

    arena agent add my-bot --kind remote --url http://127.0.0.1:8765/decide
    arena season create --name byo --symbols BTC/USDT:USDT,ETH/USDT:USDT \
        --agents my-bot --start 2024-06-01 --end 2024-06-08
    arena season run ID

``--secret`` may replace the variable; ``--notional`` sets the USD size of an entry.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_AGE_S = 300
MAX_BODY_BYTES = 5_000_000


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def refusal(secret: str, timestamp: str, signature: str, body: bytes, now: float) -> str | None:
    """Why the request must be refused, or None when it is authentic and fresh."""
    if not timestamp.isdigit():
        return "missing or malformed X-Arena-Timestamp"
    if int(timestamp) > now + 1:
        return "timestamp in the future"
    if now - int(timestamp) > MAX_AGE_S:
        return "stale timestamp (older than 5 minutes)"
    if not hmac.compare_digest(expected_signature(secret, timestamp, body), signature):
        return "bad signature"
    return None


def decide(request: dict, notional: float) -> dict:
    """Long each coin whose last close is above its EMA20; close it when it is not."""
    context = request["context"]
    held = {position["symbol"]: position["side"] for position in context["account"]["positions"]}
    decisions = []
    for coin in context["coins"]:
        symbol, closes, ema20 = coin["symbol"], coin["closes"], coin["ema20"]
        if not closes or not ema20 or closes[-1] is None or ema20[-1] is None:
            decisions.append({"coin": symbol, "signal": "hold", "justification": "no data"})
        elif closes[-1] > ema20[-1]:
            if symbol in held:
                decisions.append({"coin": symbol, "signal": "hold", "justification": "trend on"})
            else:
                decisions.append(
                    {
                        "coin": symbol,
                        "signal": "buy_to_enter",
                        "notional": notional,
                        "leverage": 1,
                        "stop_loss": round(closes[-1] * 0.95, 6),
                        "profit_target": round(closes[-1] * 1.10, 6),
                        "invalidation_condition": "close below EMA20",
                        "confidence": 0.6,
                        "justification": "last close above EMA20",
                    }
                )
        elif symbol in held:
            decisions.append({"coin": symbol, "signal": "close", "justification": "below EMA20"})
        else:
            decisions.append({"coin": symbol, "signal": "hold", "justification": "below EMA20"})
    return {"reasoning": "long above EMA20, flat below", "decisions": decisions}


class Bot(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, secret: str, notional: float = 1000.0) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.secret = secret
        self.notional = notional
        self.requests = 0  # every request received, refused ones included
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server: Bot

    def do_POST(self) -> None:
        with self.server.lock:
            self.server.requests += 1
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return self._send(413, {"error": "body too large"})
        body = self.rfile.read(length)
        why = refusal(
            self.server.secret, self.headers.get("X-Arena-Timestamp", ""),
            self.headers.get("X-Arena-Signature", ""), body, time.time(),
        )  # fmt: skip
        if why is not None:
            return self._send(401, {"error": why})
        try:
            answer = decide(json.loads(body), self.server.notional)
        except (ValueError, KeyError, TypeError) as error:
            return self._send(400, {"error": f"unexpected request: {error}"})
        self._send(200, answer)

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"remote_bot: {format % args}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", default=os.environ.get("ARENA_BOT_SECRET"))
    parser.add_argument("--notional", type=float, default=1000.0)
    options = parser.parse_args()
    if not options.secret:
        parser.error("give the agent's secret: ARENA_BOT_SECRET=... or --secret")
    bot = Bot(options.port, options.secret, options.notional)
    print(f"remote_bot listening on http://127.0.0.1:{bot.server_address[1]}/decide", flush=True)
    try:
        bot.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        bot.server_close()


if __name__ == "__main__":
    main()
