"""``arena strategies list`` as a user runs it, through a Typer app that mounts the group."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner, Result

from alpha_arena.cli.strategies import strategies_app
from alpha_arena.strategies.registry import names

ALL = [
    "ema_trend",
    "bollinger_range",
    "funding_rate_arbitrage",
    "breakout",
    "momentum",
    "rsi_mean_reversion",
    "volatility_breakout",
    "seasonality",
    "martingale",
    "grid",
    "buy_and_hold",
    "flat",
]


def invoke(*args: str, disabled: str = "") -> Result:
    app = typer.Typer()
    app.add_typer(strategies_app, name="strategies")
    return CliRunner().invoke(app, list(args), env={"ARENA_DISABLED_STRATEGIES": disabled})


def test_list_prints_every_strategy_with_parameters_and_defaults() -> None:
    result = invoke("strategies", "list")
    assert result.exit_code == 0, result.output
    for name in ALL:
        assert name in result.stdout
    for shown in ("fast=12 (int)", "slow=26 (int)", "allow_short=true (bool)"):
        assert shown in result.stdout
    assert "entry_rate=0.0005 (float)" in result.stdout
    assert "hours=13-20 (str)" in result.stdout
    assert "Follow the trend of two EMAs of the close." in result.stdout


def test_list_json_gives_names_rules_and_parameter_defaults() -> None:
    result = invoke("strategies", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [item["name"] for item in listed] == ALL == names()
    ema = listed[0]
    assert ema["params"] == [
        {"name": "fast", "type": "int", "default": 12},
        {"name": "slow", "type": "int", "default": 26},
        {"name": "allow_short", "type": "bool", "default": True},
    ]
    assert ema["summary"] == "Follow the trend of two EMAs of the close."
    assert "EMA(fast) is above EMA(slow)" in ema["rule"]
    assert listed[-1] == {
        "name": "flat",
        "summary": "Never trade.",
        "rule": listed[-1]["rule"],
        "params": [],
        "enabled": True,
    }
    assert listed[-1]["rule"].startswith("Never trade.\n")


def test_strategies_named_in_the_setting_are_listed_as_disabled() -> None:
    listed = json.loads(invoke("strategies", "list", "--json", disabled="martingale, grid").stdout)
    assert [item["name"] for item in listed if not item["enabled"]] == ["martingale", "grid"]
    table = invoke("strategies", "list", disabled="grid")
    assert table.exit_code == 0, table.output
    assert table.stdout.count("(disabled)") == 1


def test_an_unknown_name_in_the_setting_is_a_one_line_error_naming_it() -> None:
    result = invoke("strategies", "list", disabled="martingale,grdi")
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        f"error: ARENA_DISABLED_STRATEGIES names 'grdi', which is not a strategy; accepted: "
        f"{', '.join(ALL)}"
    ]
