"""Prompt templates (Jinja2) and their rendering from a decision context.

The default template and the competition modes' ship with the package; versions are stored
in the database (``PromptStore``) so every LLM call can name the exact text it was built from,
and a season pins the version each entry runs."""

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
    Standing,
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


def _shipped(file: str) -> str:
    return (resources.files("alpha_arena.agents.llm") / "templates" / file).read_text()


def default_template() -> str:
    """The shipped default: the system part and the user part joined by a separator line."""
    return _shipped("trader_system.j2") + _SEPARATOR + _shipped("trader_user.j2")


@dataclass(frozen=True, slots=True)
class CompetitionMode:
    """A shipped variant of the default prompt: the same market and rules, another brief.

    ``prompt``: the name it is stored and pinned under; ``system``: the file of the brief
    set before the rules; ``user``: a file of what it shows beyond the default (or None)."""

    name: str
    prompt: str
    description: str
    system: str | None = None
    user: str | None = None

    def template(self) -> str:
        if self.system is None:
            return default_template()
        head, rules, tail = _shipped("trader_system.j2").partition("\nRules:\n")
        if not rules:  # a shipped file changed shape: caught by the tests, never at run time
            raise RuntimeError("trader_system.j2 lost its 'Rules:' line")
        brief = _shipped(self.system).rstrip("\n")
        user = _shipped("trader_user.j2") + (_shipped(self.user) if self.user else "")
        return f"{head}\n{brief}\n{rules}{tail}{_SEPARATOR}{user}"


#: The public arena's competition modes, selectable per agent (``arena agent add --mode``):
#: a season can run the same model under each and compare.
MODES: dict[str, CompetitionMode] = {
    mode.name: mode
    for mode in (
        CompetitionMode("baseline", DEFAULT_PROMPT,
                        "the default trader: the market, its account, best risk-adjusted return"),
        CompetitionMode("situational_awareness", "situational_awareness",
                        "also sees the current standings of its rivals (rank, return, value)",
                        "situational_awareness_system.j2", "situational_awareness_user.j2"),
        CompetitionMode("max_leverage", "max_leverage",
                        "told to open every entry at the highest leverage the season allows",
                        "max_leverage_system.j2"),
        CompetitionMode("capital_preservation", "capital_preservation",
                        "protect capital first: small sizes, low leverage, tight stops, "
                        "cash is a position", "capital_preservation_system.j2"),
    )
}  # fmt: skip


def competition_mode(name: str) -> CompetitionMode:
    """The mode called ``name``; InvalidInputError naming the modes for any other."""
    mode = MODES.get(name)
    if mode is None:
        raise InvalidInputError(f"unknown mode {name!r}; accepted: {', '.join(MODES)}")
    return mode


def shipped_prompt(name: str) -> tuple[str, str] | None:
    """The template and description of the shipped prompt stored as ``name`` (the default or
    a mode's), None for a prompt of a user's."""
    for mode in MODES.values():
        if mode.prompt == name:
            description = (
                "shipped default" if name == DEFAULT_PROMPT else f"mode: {mode.description}"
            )
            return mode.template(), description
    return None


def render(
    template: str,
    context: DecisionContext,
    exchange: str = "binance",
    max_leverage: float = 20,
    fee_rate: float | None = None,
    leverage_cap: float | None = None,
) -> RenderedPrompt:
    """Render a stored template (system and user parts) for ``context``. ``max_leverage`` is
    the agent's own cap; ``leverage_cap`` the season's risk limit, and the template's
    ``leverage_cap`` the lower of the two: the leverage an entry really gets."""
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
        "leverage_cap": max_leverage if leverage_cap is None else min(max_leverage, leverage_cap),
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
    timeframe, funding and open interest, an open position with its exit plan, and the
    standings of three entries (the agent's own second)."""
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
    standings = (
        Standing(1, "rival-model", 2.1, 10_210.0, False),
        Standing(2, "sample-agent", 0.55, 10_055.0, True),
        Standing(3, "btc-buy-and-hold", -0.8, 9_920.0, False),
    )
    return DecisionContext(
        ts=1_735_693_200_000, timeframe="1h", coins=(coin,), account=account, standings=standings
    )
