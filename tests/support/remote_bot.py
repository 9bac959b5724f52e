"""The example remote bot (examples/remote_bot.py) loaded from its file and served on a
loopback port in a thread, and a scripted bot that answers slowly or with garbage on cue."""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "remote_bot.py"


def example_bot_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("remote_bot", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[str]:
    """Serve ``server`` in a thread; yield its decision URL; shut it down after."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/decide"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def example_bot(secret: str) -> Iterator[tuple[object, str]]:
    """The example bot on a free loopback port: ``(bot, url)``; ``bot.requests`` counts."""
    bot = example_bot_module().Bot(0, secret)
    with serving(bot) as url:
        yield bot, url


#: A scripted answer: (HTTP status, body bytes, seconds to wait before answering).
Answer = tuple[int, bytes, float]


class ScriptedBot(ThreadingHTTPServer):
    """Answers each request with ``script(body)``; counts what it received."""

    daemon_threads = True

    def __init__(self, script: Callable[[bytes], Answer]) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.script = script
        self.requests = 0
        self.lock = threading.Lock()


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedBot

    def do_POST(self) -> None:
        with self.server.lock:
            self.server.requests += 1
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, answer, delay_s = self.server.script(body)
        time.sleep(delay_s)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:  # the arena hung up at its deadline
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass
