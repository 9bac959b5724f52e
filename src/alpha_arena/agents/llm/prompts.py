"""Prompt templates (Jinja2) and their rendering from a decision context.

The default templates ship with the package; versions are stored in the database
(``PromptStore``) so every LLM call can name the exact text it was built from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, StrictUndefined, Template, TemplateError, TemplateSyntaxError

from alpha_arena.agents.context import (
    AccountContext,
    CoinContext,
    DecisionContext,
    HigherTimeframe,
    PositionContext,
)
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import to_iso

DEFAULT_PROMPT = "alpha_arena_trader"
_SEPARATOR = "\n----- user -----\n"

_ENVIRONMENT = Environment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, keep_trailing_newline=True
)


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    system: str
    user: str

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


@lru_cache(maxsize=64)
def _compiled(text: str) -> Template:
    """Compiling a template costs milliseconds; rendering a compiled one, microseconds."""
    return _ENVIRONMENT.from_string(text)


def default_template() -> str:
    """The shipped default: the system part and the user part joined by a separator line."""
    folder = resources.files("alpha_arena.agents.llm") / "templates"
    system = (folder / "trader_system.j2").read_text()
    user = (folder / "trader_user.j2").read_text()
    return system + _SEPARATOR + user


def render(
    template: str,
    context: DecisionContext,
    exchange: str = "binance",
    max_leverage: float = 20,
    fee_rate: float | None = None,
) -> RenderedPrompt:
    """Render a stored template (system and user parts) for ``context``."""
    system_text, separator, user_text = template.partition(_SEPARATOR)
    if not separator:
        raise InvalidInputError("a prompt template needs a system and a user part separated by "
                                f"the line {_SEPARATOR.strip()!r}")  # fmt: skip
    values = {
        "context": context,
        "now": to_iso(context.ts),
        "exchange": exchange,
        "coins": [coin.symbol.split("/")[0] for coin in context.coins],
        "max_leverage": max_leverage,
        "fee_rate": context.account.fee_rate if fee_rate is None else fee_rate,
    }
    try:
        return RenderedPrompt(
            _compiled(system_text).render(values), _compiled(user_text).render(values)
        )
    except TemplateError as error:
        raise InvalidInputError(f"prompt template does not render: {error}") from None


def validate_template(template: str) -> None:
    """Refuse, in one line, a template that would break an agent at its first decision: one
    that lacks the system or the user part, does not parse, or does not render (an unknown
    name, a filter misused) against a sample decision context with every field filled."""
    system_text, separator, user_text = template.partition(_SEPARATOR)
    if not separator:
        raise InvalidInputError(
            "a prompt template needs a system and a user part separated by the line "
            f"{_SEPARATOR.strip()!r}"
        )
    for part, text in (("system", system_text), ("user", user_text)):
        if not text.strip():
            raise InvalidInputError(f"the prompt template's {part} part is empty")
        try:
            _compiled(text)
        except TemplateSyntaxError as error:
            raise InvalidInputError(
                f"the prompt template does not parse ({part} part, line {error.lineno}): "
                f"{error.message}"
            ) from None
    try:
        render(template, sample_context())
    except InvalidInputError as error:
        raise InvalidInputError(f"{error} (rendered against a sample context)") from None
    except Exception as error:  # a template's own arithmetic or filters gone wrong
        raise InvalidInputError(
            f"the prompt template fails on a sample context: {type(error).__name__}: {error}"
        ) from None


@lru_cache(maxsize=1)
def sample_context() -> DecisionContext:
    """A decision context with every optional field present: one coin with a higher
    timeframe, funding and open interest, and an open position with its exit plan."""
    series = (64_000.0, 64_250.5, 64_100.0)
    coin = CoinContext(
        symbol="BTC/USDT:USDT", ts_last_close=1_735_693_200_000, price=64_100.0,
        closes=series, ema20=series, macd=(12.5, 14.0, 13.2), rsi7=(55.0, 58.1, 52.3),
        rsi14=(51.0, 52.4, 50.9),
        higher=HigherTimeframe("4h", 63_900.0, 63_500.0, 420.0, 510.0, 1_250.0, 1_100.0),
        funding_rate=0.0001, open_interest=81_000.0,
    )  # fmt: skip
    position = PositionContext(
        symbol="BTC/USDT:USDT", side="long", quantity=0.05, entry_price=63_000.0,
        mark_price=64_100.0, unrealized_pnl=55.0, leverage=3.0, liquidation_price=42_500.0,
        take_profit=68_000.0, stop_loss=61_000.0, invalidation="4h close below 61,000",
    )  # fmt: skip
    account = AccountContext(
        initial_capital=10_000.0, equity=10_055.0, cash=8_950.0, return_pct=0.55, sharpe=1.2,
        fee_rate=0.0005, positions=(position,),
    )  # fmt: skip
    return DecisionContext(ts=1_735_693_200_000, timeframe="1h", coins=(coin,), account=account)
