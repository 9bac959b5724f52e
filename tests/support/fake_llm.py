"""A loopback fake of two LLM APIs: OpenAI chat completions and Anthropic messages.

``POST /v1/chat/completions`` answers in OpenAI's format (``choices``, ``usage`` with prompt and
completion tokens, optionally DeepSeek's ``reasoning_content``); ``POST /v1/messages`` answers in
Anthropic's format (content blocks, optionally a ``thinking`` block, ``usage`` with input and
output tokens). Errors use each API's error body.

Replies are scripted: ``reply`` queues answers, ``respond_with`` sets a function of the received
request used once the queue is empty (by default an answer of ``"ok"``). Fault switches:
``fail_next(429, n)`` (with ``Retry-After: 0``) or ``fail_next(500, n)``, optionally with the
error message to send (one echoing a key, say), ``delay_s`` holds every answer (for timeouts and
concurrency) and ``FakeAnswer.delay_s`` one answer (a model slow on some prompts), ``api_key``
answers 401 to any other key (sent as a bearer token, or in Anthropic's ``x-api-key``).
``received`` keeps every request (path, headers, JSON body), ``max_in_flight`` the most requests
handled at once. ``served_model`` is the model every answer names (a provider's concrete
snapshot, e.g. ``gpt-4o-2024-08-06``) unless ``FakeAnswer.model`` names another; by default an
answer names the model requested. Changing it between requests is a provider that silently
updates a model."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"


@dataclass(frozen=True, slots=True)
class FakeAnswer:
    """One scripted answer; ``reasoning`` goes in ``reasoning_content`` or a thinking block."""

    text: str
    input_tokens: int = 10
    output_tokens: int = 5
    reasoning: str | None = None
    model: str | None = None  # None: echo the requested model
    delay_s: float = 0.0  # held this long before it is sent


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any] = field(repr=False)


Responder = Callable[[ReceivedRequest], FakeAnswer]


class FakeLlmServer:
    """The server; use it as a context manager. ``openai_base_url`` and ``anthropic_base_url``
    are the base URLs to give each SDK."""

    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.delay_s = 0.0
        self.served_model: str | None = None
        self.received: list[ReceivedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._answers: deque[FakeAnswer] = deque()
        self._responder: Responder = lambda _request: FakeAnswer("ok")
        self._failures: deque[tuple[int, str | None]] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing.set()  # wakes delayed handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def openai_base_url(self) -> str:
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    # -- script ------------------------------------------------------------------------------

    def reply(self, *answers: FakeAnswer | str) -> None:
        """Queue answers, served in order before the responder is asked."""
        with self._lock:
            self._answers.extend(a if isinstance(a, FakeAnswer) else FakeAnswer(a) for a in answers)

    def respond_with(self, responder: Responder) -> None:
        """Answer with ``responder(request)`` once the queue is empty."""
        self._responder = responder

    def fail_next(self, status: int, count: int = 1, message: str | None = None) -> None:
        """Answer the next ``count`` requests with ``status`` (429 carries ``Retry-After: 0``),
        with ``message`` as the error's message when given."""
        with self._lock:
            self._failures.extend([(status, message)] * count)

    @property
    def count(self) -> int:
        """Return how many requests arrived, failed ones included."""
        with self._lock:
            return len(self.received)

    # -- serving (handler threads) -----------------------------------------------------------

    def _enter(self, request: ReceivedRequest) -> tuple[int, str | None] | None:
        with self._lock:
            self.received.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return self._failures.popleft() if self._failures else None

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _next_answer(self, request: ReceivedRequest) -> FakeAnswer:
        with self._lock:
            answer = self._answers.popleft() if self._answers else None
        if answer is None:
            answer = self._responder(request)
        if answer.model is None and self.served_model is not None:
            return replace(answer, model=self.served_model)
        return answer

    def _wait(self, delay_s: float | None = None) -> None:
        delay = self.delay_s if delay_s is None else delay_s
        if delay > 0:
            self._closing.wait(delay)


_ERROR_TYPES = {
    401: ("invalid_api_key", "authentication_error", "Incorrect API key provided."),
    429: ("rate_limit_exceeded", "rate_limit_error", "Rate limit reached, slow down."),
    500: ("server_error", "api_error", "The server had an error processing your request."),
}


def _openai_error(status: int, text: str | None = None) -> dict[str, Any]:
    code, _, message = _ERROR_TYPES.get(status, ("error", "api_error", f"HTTP {status}"))
    return {"error": {"message": text or message, "type": code, "param": None, "code": code}}


def _anthropic_error(status: int, text: str | None = None) -> dict[str, Any]:
    _, kind, message = _ERROR_TYPES.get(status, ("error", "api_error", f"HTTP {status}"))
    return {"type": "error", "error": {"type": kind, "message": text or message}}


def _openai_answer(answer: FakeAnswer, body: dict[str, Any], number: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": answer.text}
    if answer.reasoning is not None:
        message["reasoning_content"] = answer.reasoning
    return {
        "id": f"chatcmpl-fake{number}",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": answer.model or body.get("model", "fake-model"),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
        "usage": {
            "prompt_tokens": answer.input_tokens,
            "completion_tokens": answer.output_tokens,
            "total_tokens": answer.input_tokens + answer.output_tokens,
        },
    }


def _anthropic_answer(answer: FakeAnswer, body: dict[str, Any], number: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if answer.reasoning is not None:
        content.append({"type": "thinking", "thinking": answer.reasoning, "signature": "fake"})
    content.append({"type": "text", "text": answer.text})
    return {
        "id": f"msg_fake{number}",
        "type": "message",
        "role": "assistant",
        "model": answer.model or body.get("model", "fake-model"),
        "content": content,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": answer.input_tokens, "output_tokens": answer.output_tokens},
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def do_POST(self) -> None:
        fake: FakeLlmServer = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        if path not in (OPENAI_PATH, ANTHROPIC_PATH):
            self._send(404, {"error": {"message": f"no route {path}", "type": "not_found"}})
            return
        request = ReceivedRequest(
            path=path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=json.loads(raw or b"{}"),
        )
        anthropic = path == ANTHROPIC_PATH
        failure = fake._enter(request)
        try:
            fake._wait()
            if fake.api_key is not None and not self._authorized(fake.api_key, anthropic=anthropic):
                failure = (401, None)
            if failure is not None:
                status, text = failure
                body = _anthropic_error(status, text) if anthropic else _openai_error(status, text)
                headers = {"Retry-After": "0"} if status == 429 else {}
                self._send(status, body, headers)
                return
            answer = fake._next_answer(request)
            fake._wait(answer.delay_s)
            number = fake.count
            if anthropic:
                self._send(200, _anthropic_answer(answer, request.body, number))
            else:
                self._send(200, _openai_answer(answer, request.body, number))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
        finally:
            fake._leave()

    def _authorized(self, key: str, *, anthropic: bool) -> bool:
        # Anthropic takes ``x-api-key`` or, as its SDK 2.x sends it, a bearer token.
        bearer = self.headers.get("Authorization") == f"Bearer {key}"
        return bearer or (anthropic and self.headers.get("x-api-key") == key)

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def scripted_trader(request: ReceivedRequest) -> FakeAnswer:
    """A deterministic trader of BTC: its answer is a function of the prompt (buy with a wide
    exit plan, close, or hold), so that equal prompts get equal answers and different ones
    vary; with a reasoning channel, as DeepSeek-R1-style models answer."""
    prompt = json.dumps(request.body["messages"], sort_keys=True)
    choice = int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 3
    decision = [
        {"coin": "BTC", "signal": "buy_to_enter", "quantity": 0.01, "leverage": 2,
         "profit_target": 1_000_000, "stop_loss": 1_000, "invalidation_condition": "BTC < 1k",
         "confidence": 0.7, "justification": "scripted entry"},
        {"coin": "BTC", "signal": "close", "justification": "scripted exit"},
        {"coin": "BTC", "signal": "hold", "justification": "scripted wait"},
    ][choice]  # fmt: skip
    answer = json.dumps({"reasoning": f"choice {choice}", "decisions": [decision]})
    return FakeAnswer(answer, reasoning=f"thinking about choice {choice}")
