"""The season's standings in a decision context: ranked as the leaderboard ranks, plain data."""

from __future__ import annotations

import dataclasses
import json

import pytest

from alpha_arena.agents.context import Standing, account_context, rank_standings
from alpha_arena.agents.llm.prompts import sample_context
from alpha_arena.domain.positions import MarginMode
from tests.unit.execution.test_paper_margin_modes import two_positions
from tests.unit.execution.test_paper_venue import BTC, ETH, at


def test_standings_rank_by_equity_then_name_and_mark_the_own_row() -> None:
    ranked = rank_standings(
        [("b-model", 10_500.0), ("me", 9_000.0), ("a-model", 10_500.0), ("hodl", 11_000.0)],
        own="me", initial_capital=10_000.0,
    )  # fmt: skip
    assert [(s.rank, s.name, s.own) for s in ranked] == [
        (1, "hodl", False), (2, "a-model", False), (3, "b-model", False), (4, "me", True),
    ]  # fmt: skip
    assert [s.return_pct for s in ranked] == pytest.approx([10.0, 5.0, 5.0, -10.0])
    assert ranked[3].equity == 9_000.0


def test_alone_an_agent_ranks_first() -> None:
    assert rank_standings([("solo", 10_000.0)], "solo", 10_000.0) == (
        Standing(1, "solo", 0.0, 10_000.0, True),
    )


def test_a_context_with_standings_is_json_and_replaceable() -> None:
    context = sample_context()
    assert context.standings and sum(s.own for s in context.standings) == 1
    values = json.loads(json.dumps(dataclasses.asdict(context)))
    assert values["standings"][0] == {
        "rank": 1, "name": "rival-model", "return_pct": 2.1, "equity": 10_210.0, "own": False,
    }  # fmt: skip
    emptied = dataclasses.replace(context, standings=())
    assert emptied.standings == () and emptied.coins == context.coins


def test_a_cross_margin_position_shows_the_accounts_liquidation_level() -> None:
    """The venue of test_paper_margin_modes' hand-computed case after its first bar: under
    cross margin the BTC long is liquidated where the account's equity meets its requirement,
    at 85.542169; on its own margin it would be at 90.361446."""
    venue = two_positions(MarginMode.CROSS)
    venue.on_bar(BTC, at(1), 100.0, 100.0, 88.0, 89.0)
    levels = {key: venue.liquidation_price(key) for key in venue.positions()}
    marks = {BTC: 89.0, ETH: 50.0}
    cross = account_context(150.0, venue.equity(), venue.cash, venue.positions(), marks, 0.0,
                            liquidations=levels)  # fmt: skip
    alone = account_context(150.0, venue.equity(), venue.cash, venue.positions(), marks, 0.0)
    (btc,) = [p.liquidation_price for p in cross.positions if p.symbol == BTC]
    (isolated,) = [p.liquidation_price for p in alone.positions if p.symbol == BTC]
    assert btc == pytest.approx(85.542169)
    assert isolated == pytest.approx(90.361446)
