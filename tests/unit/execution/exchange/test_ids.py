"""Client order ids: the same order gets the same id (a restart finds it), different orders and
entries get different ids, and every id is one the strictest exchange (OKX) accepts."""

from __future__ import annotations

import re

import pytest

from alpha_arena.execution.exchange.ids import ClientIds


def test_the_same_order_of_the_same_entry_always_gets_the_same_id() -> None:
    assert ClientIds.for_entry(12, 34).exchange_id("gpt-7") == ClientIds.for_entry(
        12, 34
    ).exchange_id("gpt-7")


def test_ids_differ_between_orders_legs_and_entries() -> None:
    ids = {
        ClientIds.for_entry(season, entry).exchange_id(order)
        for season in (1, 2)
        for entry in (1, 11)
        for order in ("gpt-1", "gpt-1-stop_loss", "gpt-1-take_profit", "gpt-11")
    }
    assert len(ids) == 16


def test_ids_are_alphanumeric_and_fit_okx_even_for_huge_season_and_entry_ids() -> None:
    client_id = ClientIds.for_entry(10**7, 10**7).exchange_id("x" * 200)
    assert re.fullmatch(r"[A-Za-z0-9]{1,32}", client_id)


def test_a_prefix_that_cannot_fit_is_refused() -> None:
    with pytest.raises(ValueError, match="1-18 letters or digits"):
        ClientIds("a" * 19)


def test_hyperliquid_ids_are_cloids_that_start_with_the_entry_prefix() -> None:
    ids = ClientIds.for_entry(12, 34, "hyperliquid")
    cloid = ids.exchange_id("gpt-7")
    assert re.fullmatch(r"0x[0-9a-f]{32}", cloid)
    assert cloid.startswith(ids.prefix) and len(ids.prefix) == 10
    # A new process rebuilds the ids from the prefix alone (seasons/venues.py) and finds it.
    assert ClientIds(ids.prefix).exchange_id("gpt-7") == cloid
    others = {ClientIds.for_entry(s, e, "hyperliquid").exchange_id(o)
              for s in (1, 2) for e in (1, 11) for o in ("gpt-1", "gpt-1-stop_loss")}  # fmt: skip
    assert len(others) == 8
    assert ClientIds.for_entry(12, 34, "okx").exchange_id("gpt-7") == ClientIds.for_entry(
        12, 34
    ).exchange_id("gpt-7")
