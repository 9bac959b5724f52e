"""The done-when check, as a user would do it: `arena demo` on a new database, offline, runs a
season and prints its leaderboard; then `arena serve` in its own process, and every read
endpoint of the spec answers 200 over real HTTP with the demo season's data; the season
endpoints show its entries, ledger and leaderboard."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from alpha_arena.agents.llm.providers import PROVIDERS
from alpha_arena.api.spec import openapi_text
from tests.support.databases import BACKENDS, empty_database
from tests.support.sample import PERPETUALS, manifest

ARENA = str(Path(sys.executable).with_name("arena"))
BTC = "BTC/USDT:USDT"
TOTAL_ROWS = sum(entry["rows"] for entry in manifest().values())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Demo:
    output: str  # what `arena demo` printed
    client: httpx.Client  # of `arena serve` on the demo's database


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("served")
    with empty_database(request.param, folder) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARENA_")}
        for spec in PROVIDERS.values():  # offline: the demo registers no LLM trader
            if spec.api_key_env:
                env.pop(spec.api_key_env, None)
        env["ARENA_DATABASE_URL"] = url
        ran = subprocess.run([ARENA, "demo"], cwd=folder, env=env, capture_output=True,
                             text=True, timeout=600, check=False)  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        port = free_port()
        server = subprocess.Popen(
            [ARENA, "serve", "--port", str(port)], cwd=folder, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
            _wait_until_up(client, server)
            yield Demo(ran.stdout, client)
            client.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture
def served(demo: Demo) -> httpx.Client:
    return demo.client


def _wait_until_up(client: httpx.Client, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("arena serve did not come up within 60 s")


def concrete_paths(client: httpx.Client) -> list[str]:
    """Every GET operation of the spec, its parameters filled from the demo's data."""
    season = client.get("/api/v1/seasons").json()["items"][0]
    backtests = client.get("/api/v1/backtests").json()["items"]
    names = {
        "season_id": str(season["id"]), "id": str(backtests[0]["id"]), "version": "1",
        "table": "equity", "entry": "ema-trend", "seq": "0",
    }  # fmt: skip
    by_area = {"agents": "ema-trend", "prompts": "alpha_arena_trader", "strategies": "ema_trend"}
    queries = {"symbol": BTC, "symbols": BTC, "ids": f"{backtests[0]['id']},{backtests[1]['id']}"}
    paths = []
    for path, item in json.loads(openapi_text())["paths"].items():
        if "get" not in item:
            continue
        area = path.removeprefix("/api/v1/").split("/")[0]
        if area == "accounts" and "{name}" in path:
            continue  # the demo adds no exchange account: that takes ARENA_SECRET_KEY and keys
        if area == "series" and "{series_id}" in path:
            continue  # the demo runs no season series (tests/integration/api/test_series_api.py)
        if "{job_id}" in path:
            continue  # the demo starts no ingestion job (test_data_ingest_api.py)
        if path.endswith("/system/audit"):
            continue  # the token holder's alone, and the demo server has none (test_audit_api)
        values = names | {"name": by_area.get(area, "")}
        if area == "system":
            values["table"] = "seasons"  # the database browser's table, not an export's
        filled = re.sub(r"\{([^}]+)\}", lambda m, values=values: values[m[1]], path)
        required = [p["name"] for p in item["get"].get("parameters", [])
                    if p["in"] == "query" and p.get("required")]  # fmt: skip
        if required:
            filled += "?" + "&".join(f"{name}={queries[name]}" for name in required)
        paths.append(filled)
    return paths


def test_the_demo_runs_a_season_offline_and_prints_its_leaderboard(demo: Demo) -> None:
    assert f"sample: {TOTAL_ROWS:,} rows inserted, 0 already present (30 files)" in demo.output
    for symbol in PERPETUALS:
        assert symbol in demo.output
    assert "LLM traders: none (no provider API key is set)" in demo.output
    for entry in ("btc-buy-and-hold (baseline)", "equal-weight-hold (baseline)", "ema-trend",
                  "regime-portfolio"):  # fmt: skip
        assert entry in demo.output
    assert "90% interval" in demo.output and "P(beats BTC)" in demo.output
    assert len(re.findall(r"\b[0-9a-f]{12}\b", demo.output)) >= 9  # a fingerprint per entry
    assert "finished: reached its end after 2160 ticks" in demo.output


def test_every_read_endpoint_answers_with_the_demo_data(served: httpx.Client) -> None:
    paths = concrete_paths(served)
    assert len(paths) >= 30
    failures = {}
    for path in paths:
        response = served.get(path)
        if response.status_code != 200:
            failures[path] = (response.status_code, response.text[:200])
    assert failures == {}


def test_the_demo_season_is_on_the_season_endpoints(served: httpx.Client) -> None:
    [season] = served.get("/api/v1/seasons").json()["items"]
    assert season["status"] == "finished" and season["ticks_done"] == 2160
    base = f"/api/v1/seasons/{season['id']}"
    entries = {e["name"]: e for e in served.get(f"{base}/entries").json()["items"]}
    assert {"btc-buy-and-hold", "equal-weight-hold", "ema-trend", "regime-portfolio"} <= set(
        entries
    )
    board = served.get(f"{base}/leaderboard").json()
    assert {row["name"] for row in board["rows"]} == set(entries)
    assert all(re.fullmatch(r"[0-9a-f]{12}", row["fingerprint"]) for row in board["rows"])
    lists: dict[str, Any] = {
        kind: served.get(f"{base}/{kind}").json() for kind in ("decisions", "orders", "fills")
    }
    assert all(lists[kind]["total"] > 0 for kind in lists)
    equity = served.get(f"{base}/equity", params={"points": 100}).json()
    assert {len(s["points"]) for s in equity["series"]} == {100}
    assert {s["total_points"] for s in equity["series"]} == {2160}
    positions = served.get(f"{base}/positions", params={"entry": "btc-buy-and-hold"}).json()
    positions = positions["items"]
    assert [p["symbol"] for p in positions] == [BTC]
    metrics = served.get("/metrics").text
    assert 'route="/api/v1/seasons/{season_id}/leaderboard"' in metrics
