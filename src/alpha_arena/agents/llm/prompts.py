"""Prompt templates (Jinja2) and their rendering from a decision context.

The default templates ship with the package; versions are stored in the database
(``PromptStore``) so every LLM call can name the exact text it was built from."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, StrictUndefined, Template, TemplateError

from alpha_arena.agents.context import DecisionContext
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
