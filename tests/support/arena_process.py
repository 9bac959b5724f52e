"""The `arena` command in processes of its own: a runner to kill or starve, a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ARENA = str(Path(sys.executable).with_name("arena"))


def arena_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of an `arena` process on ``database_url``: no other ARENA_ setting
    leaks in from the test's own environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ARENA_")}
    env["ARENA_DATABASE_URL"] = database_url
    env.update({f"ARENA_{key.upper()}": value for key, value in settings.items()})
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(
    env: dict[str, str], cwd: Path, output: list[str] | None = None, options: tuple[str, ...] = ()
) -> Iterator[tuple[httpx.Client, int]]:
    """`arena serve` (with ``options``) on a free loopback port; yields a client of it and the
    server's pid. What the server printed (its log) is appended to ``output`` once it has
    stopped."""
    port = free_port()
    server = subprocess.Popen(
        [ARENA, "serve", "--port", str(port), *options], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    # Read what it prints as it prints it: a full pipe would stall a server that logs a lot.
    printed: list[str] = []
    reader = threading.Thread(target=_read_into, args=(server, printed), daemon=True)
    reader.start()
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "".join(printed)
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "arena serve did not come up within 60 s"
            time.sleep(0.1)
        yield client, server.pid
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=30)
        reader.join(timeout=10)
        if output is not None:
            output.append("".join(printed))


def _read_into(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
