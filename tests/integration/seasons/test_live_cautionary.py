"""A cautionary strategy (the martingale) may compete in paper seasons, never in a live one:
creating the live season is refused with one line naming the strategy, and nothing is stored."""

from __future__ import annotations

import pytest

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import open_context
from alpha_arena.services.seasons import create_season
from alpha_arena.storage.season_store import SeasonStore
from tests.support.fake_exchange import FakeExchange
from tests.support.live_exchange import (
    LAG_MS,
    START,
    ExchangeClock,
    live_settings,
    prepare_live,
    season_values,
)

pytestmark = pytest.mark.usefixtures("database_url")

REFUSED = (
    "agent 'doubler' runs strategy martingale, a cautionary example that live seasons refuse; "
    "enter it in a replay or paper season instead"
)


@pytest.mark.parametrize(
    "config",
    [
        {"kind": "strategy", "strategy": "martingale", "params": {"hold": "4"}},
        {"kind": "selector", "provider": "openai", "model": "gpt-4o-mini",
         "strategies": ["ema_trend", "martingale"]},
    ],
    ids=["strategy", "selector"],
)  # fmt: skip
def test_a_live_season_refuses_a_martingale_entry(
    database_url: str, config: dict[str, object]
) -> None:
    with FakeExchange(START + LAG_MS) as fake:
        context = open_context(live_settings(database_url, fake), clock=ExchangeClock(fake))
        try:
            prepare_live(context, fake)
            add_agent(context, "doubler", config)
            values = season_values()
            (first, first_account), (_, second_account) = values["accounts"].items()
            values |= {"participants": [first, "doubler"],
                       "accounts": {first: first_account, "doubler": second_account}}  # fmt: skip

            with pytest.raises(InvalidInputError) as raised:
                create_season(context, values)

            assert str(raised.value) == REFUSED
            assert SeasonStore(context.engine).all() == []
            paper = {key: value for key, value in values.items() if key not in ("accounts", "risk")}
            season = create_season(context, paper | {"mode": "paper"})
            assert [e.name for e in SeasonStore(context.engine).entries(season.id)] == [
                first,
                "doubler",
            ]
        finally:
            context.close()
