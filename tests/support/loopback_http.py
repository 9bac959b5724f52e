"""A small HTTP server on loopback for fakes of JSON APIs (CoinGecko, Coinbase): it hands each
request to a function and sends back its answer, JSON or raw text, with any extra headers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class Request:
    """One request: query parameters keep repeated names (``product_ids=a&product_ids=b``);
    header names are lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any  # JSON-encoded, unless a str (sent as it is: a garbage answer)
    headers: tuple[tuple[str, str], ...] = ()


Handler = Callable[[Request], Answer]


class LoopbackServer:
    """Serves ``handler`` on 127.0.0.1 at a free port; use it as a context manager."""

    def __init__(self, handler: Handler) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _RequestHandler)
        self._server.daemon_threads = True
        self._server.handler = handler  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection

    def do_GET(self) -> None:
        handler: Handler = self.server.handler  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        headers = {key.lower(): value for key, value in self.headers.items()}
        request = Request("GET", parts.path, parse_qs(parts.query), headers)
        try:
            answer = handler(request)
        except Exception as error:  # a bug in the fake: answer it so the test sees it
            answer = Answer(500, {"error": f"fake server bug: {error!r}"})
        is_text = isinstance(answer.body, str)
        payload = (answer.body if is_text else json.dumps(answer.body)).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "text/html" if is_text else "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass
