"""The stack the browser tests run against: a fresh arena on the demo data, two demo exchange
accounts, a season with an LLM entry answered by the fake OpenAI-compatible server, and a real
``arena serve``.

Run from the repository root: ``python -m tests.support.e2e_stack DIR``. It prints one JSON
line (the server's URL, its token, the seasons) once everything is up, and stops everything
when its standard input closes (the browser tests' runner holds it open)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.arena_process import ARENA, free_port
from tests.support.fake_llm import FakeLlmServer, scripted_trader

TOKEN = "e2e-token-not-a-secret"
LLM_KEY = "e2e-llm-key"


def arena(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([ARENA, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"arena {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def wait_until_up(url: str, deadline_s: float = 60.0) -> None:
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"arena serve did not answer at {url}")


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with FakeLlmServer(api_key=LLM_KEY) as model:
        model.respond_with(scripted_trader)
        env = {
            **os.environ, "ARENA_DATABASE_URL": f"sqlite:///{folder / 'arena.db'}",
            "ARENA_API_TOKEN": TOKEN, "E2E_LLM_KEY": LLM_KEY, "NO_COLOR": "1",
        }  # fmt: skip
        for name in [k for k in env if k.endswith("_API_KEY")]:
            del env[name]  # the demo registers LLM agents only for keys that are set
        arena(env, "demo")
        # Demo exchange accounts for the live season form (never traded on here): two on
        # Binance USD-M, whose market the demo data is, and one on OKX, which it must not offer.
        env["ARENA_SECRET_KEY"] = arena(env, "account", "new-key").strip()
        for name, exchange in (("binance-demo-1", "binanceusdm"), ("binance-demo-2", "binanceusdm"),
                               ("okx-demo-1", "okx")):  # fmt: skip
            keys = {"ARENA_ACCOUNT_API_KEY": f"e2e-{name}-key-0000",
                    "ARENA_ACCOUNT_API_SECRET": f"e2e-{name}-secret-0000"}  # fmt: skip
            if exchange == "okx":
                keys["ARENA_ACCOUNT_PASSPHRASE"] = "E2e-pass-1"
            arena(env | keys, "account", "add", name, "--exchange", exchange)
        arena(env, "agent", "add", "fake-gpt", "--kind", "llm", "--provider", "openai",
              "--model", "gpt-e2e", "--set", f"base_url={model.openai_base_url}",
              "--set", "api_key_env=E2E_LLM_KEY", "--set", "input_usd_per_mtok=1.0",
              "--set", "output_usd_per_mtok=2.0")  # fmt: skip
        created = json.loads(arena(
            env, "season", "create", "--name", "llm-chat", "--symbols", "BTC/USDT:USDT",
            "--start", "2025-12-01", "--end", "2025-12-03", "--agents", "fake-gpt,ema-trend",
            "--json",
        ))  # fmt: skip
        arena(env, "season", "run", str(created["id"]))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [ARENA, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
            stdout=open(folder / "serve.log", "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )  # fmt: skip
        try:
            wait_until_up(url)
            ready = {"url": url, "token": TOKEN, "demo_season": 1, "llm_season": created["id"],
                     "database_url": env["ARENA_DATABASE_URL"]}  # fmt: skip
            print(json.dumps(ready), flush=True)
            sys.stdin.read()  # until the runner closes it
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
