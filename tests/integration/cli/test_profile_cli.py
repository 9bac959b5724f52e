"""Tunable defaults from the command line, on both databases: ``--risk-preset`` and
``--risk-config`` on backtests and seasons, ``arena config show|presets``, and one-line errors
for bad files and names."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from alpha_arena.cli.app import app
from alpha_arena.services.context import open_context
from alpha_arena.services.sample import load_sample
from tests.support.databases import BACKENDS, empty_database, settings_for
from tests.support.sample import sample_subset

BACKTEST = (
    "backtest", "run", "--strategy", "ema_trend", "--symbol", "BTC/USDT:USDT",
    "--start", "2024-01-01", "--end", "2024-02-01", "--leverage", "5", "--fee-rate", "0.0005",
)  # fmt: skip
SEASON = (
    "season", "create", "--name", "careful", "--symbols", "BTC/USDT:USDT",
    "--start", "2024-06-01", "--end", "2024-06-02",
)  # fmt: skip
CONSERVATIVE = {"max_leverage": 3.0, "min_confidence": 0.6, "max_position_notional": 20_000.0}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database holding the BTC perpetual 1h bars and funding of the sample."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        folder = sample_subset(
            tmp_path_factory.mktemp("sample"),
            ["binance_usdm_BTCUSDT_1h.csv.gz", "binance_usdm_BTCUSDT_funding_8h.csv.gz"],
        )
        context = open_context(settings_for(url))
        load_sample(context, folder)
        context.close()
        yield url


@pytest.fixture
def use(database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARENA_DATABASE_URL", database)
    monkeypatch.delenv("ARENA_CONFIG_FILE", raising=False)
    return database


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def entry_orders(run_id: int, folder: Path) -> list[dict[str, str]]:
    exported = invoke("backtest", "export", str(run_id), "--out", str(folder))
    assert exported.exit_code == 0, exported.output
    with (folder / "orders.csv").open() as file:
        return [row for row in csv.DictReader(file) if row["tag"] == "entry"]


def test_a_backtest_with_the_conservative_preset_trades_at_3x_within_20000(
    use: str, tmp_path: Path
) -> None:
    plain = invoke(*BACKTEST, "--json")
    careful = invoke(*BACKTEST, "--risk-preset", "conservative", "--json")
    assert plain.exit_code == 0 and careful.exit_code == 0, careful.output
    plain_run, careful_run = json.loads(plain.stdout), json.loads(careful.stdout)
    assert plain_run["config"]["risk"] == {}
    assert careful_run["config"]["risk"] == CONSERVATIVE
    plain_orders = entry_orders(plain_run["id"], tmp_path / "plain")
    careful_orders = entry_orders(careful_run["id"], tmp_path / "careful")
    assert plain_orders and {float(row["leverage"]) for row in plain_orders} == {5.0}
    # The 5x entries of 50,000 (the whole 10,000 account at 5x) go out at 3x, cut to 20,000
    # at the decision's price (filled at the next open, a little off it).
    assert careful_orders and {float(row["leverage"]) for row in careful_orders} == {3.0}
    for row in careful_orders:
        assert 15_000 < float(row["quantity"]) * float(row["average_price"]) < 20_000 * 1.03


def test_a_backtests_risk_config_file_sets_its_limits(use: str, tmp_path: Path) -> None:
    path = tmp_path / "limits.toml"
    path.write_text("[risk]\nmax_leverage = 2\n\n[regime]\ntrend_adx = 30\n")
    result = invoke(*BACKTEST, "--risk-preset", "conservative", "--risk-config", str(path),
                    "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["config"]["risk"] == CONSERVATIVE | {"max_leverage": 2.0}


def test_a_season_keeps_its_preset_and_the_config_files_values(
    use: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "arena.toml"
    path.write_text("[regime]\ntrend_adx = 30\n")
    monkeypatch.setenv("ARENA_CONFIG_FILE", str(path))
    created = invoke(*SEASON, "--risk-preset", "conservative", "--json")
    assert created.exit_code == 0, created.output
    season_id = json.loads(created.stdout)["id"]
    shown = invoke("season", "show", str(season_id), "--json")
    assert shown.exit_code == 0, shown.output
    config = json.loads(shown.stdout)["config"]
    assert config["risk_preset"] == "conservative"
    assert config["risk_config"] == {"regime": {"trend_adx": 30}, "risk": CONSERVATIVE}
    text = invoke("season", "show", str(season_id)).stdout
    assert ("tuned: preset conservative; regime.trend_adx=30, risk.max_leverage=3.0, "
            "risk.max_position_notional=20000.0, risk.min_confidence=0.6") in text  # fmt: skip


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[risk]\nmax_leverage = 0.5\n", ("risk.max_leverage = 0.5", "greater than or equal")),
        ("[risk]\nleverage = 3\n", ("unknown key risk.leverage; accepted: max_leverage",)),
        ("[risk]\nmin_confidence = 'high'\n", ("risk.min_confidence = 'high'",)),
        ("risk = [", ("not valid TOML",)),
    ],
)
def test_bad_risk_config_files_are_one_line_errors(
    use: str, tmp_path: Path, text: str, fragments: tuple[str, ...]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    before = json.loads(invoke("season", "list", "--json").stdout)
    assert_one_line_error(invoke(*SEASON, "--risk-config", str(path)), str(path), *fragments)
    assert_one_line_error(invoke(*BACKTEST, "--risk-config", str(path)), str(path), *fragments)
    assert json.loads(invoke("season", "list", "--json").stdout) == before  # nothing stored


def test_an_unknown_preset_and_a_missing_file_are_one_line_errors(
    use: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted = "unknown risk preset 'bold'; accepted: default, conservative"
    assert_one_line_error(invoke(*SEASON, "--risk-preset", "bold"), accepted)
    assert_one_line_error(invoke(*BACKTEST, "--risk-preset", "bold"), "unknown risk preset")
    monkeypatch.setenv("ARENA_CONFIG_FILE", str(tmp_path / "missing.toml"))
    assert_one_line_error(invoke("config", "show"), "ARENA_CONFIG_FILE", "no such file")


def test_config_show_names_where_each_value_comes_from(
    use: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "arena.toml"
    path.write_text(
        "[risk]\nmin_confidence = 0.4\nmax_leverage = 5\n[portfolio]\nmin_score = 0.1\n"
    )
    monkeypatch.setenv("ARENA_CONFIG_FILE", str(path))
    result = invoke("config", "show", "--risk-preset", "conservative", "--json")
    assert result.exit_code == 0, result.output
    shown = {(row["table"], row["key"]): (row["value"], row["source"])
             for row in json.loads(result.stdout)}  # fmt: skip
    assert shown[("risk", "max_leverage")] == (3.0, "preset conservative")
    assert shown[("risk", "min_confidence")] == (0.6, "preset conservative")
    assert shown[("portfolio", "min_score")] == (0.1, f"ARENA_CONFIG_FILE {path}")
    assert shown[("regime", "trend_adx")] == (25.0, "default")
    presets = invoke("config", "presets", "--json")
    assert json.loads(presets.stdout)["conservative"] == {"risk": CONSERVATIVE}
