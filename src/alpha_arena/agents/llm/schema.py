"""The closed schema of an LLM trader's answer (the Alpha Arena format), validated with pydantic.

The answer is untrusted text from a model, so this is a boundary: values are coerced only where
the meaning is unambiguous (a numeric string, a signal synonym, a bare coin name, a confidence
given in percent) and everything else is an error with a field path. Unknown keys are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from alpha_arena.domain.decisions import Signal

_SPELLINGS: Mapping[Signal, str] = {
    Signal.BUY_TO_ENTER: "buy_to_enter buy long go_long open_long enter_long buy_to_open",
    Signal.SELL_TO_ENTER: (
        "sell_to_enter sell short go_short open_short enter_short sell_to_open sell_short"
    ),
    Signal.CLOSE: "close exit close_position exit_position close_long close_short flatten",
    Signal.HOLD: "hold wait none no_action no_trade do_nothing stay hold_position",
}
SIGNAL_SYNONYMS: Mapping[str, Signal] = {
    word: signal for signal, words in _SPELLINGS.items() for word in words.split()
}
"""Every accepted spelling (lower case, words joined by ``_``) of each signal."""

ENTRY_SIGNALS = frozenset({Signal.BUY_TO_ENTER, Signal.SELL_TO_ENTER})

_MAX_QUOTED = 40


def quote(value: object) -> str:
    """Render an untrusted value for a one-line error message, shortened."""
    text = repr(value).replace("\n", " ")
    return text if len(text) <= _MAX_QUOTED else text[: _MAX_QUOTED - 3] + "..."


def _number(value: object, *, currency: bool = False, percent: bool = False) -> object:
    """Accept numbers and numeric strings; refuse booleans and other strings.

    With ``currency`` a leading ``$`` is allowed (``"$1200"``); with ``percent`` a trailing
    ``%`` divides by 100 (``"85%"``). Other types pass through for pydantic to reject.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {quote(value)}")
    if not isinstance(value, str):
        return value
    text = value.strip()
    if currency:
        text = text.removeprefix("$").strip()
    is_percent = percent and text.endswith("%")
    try:
        number = float(text.removesuffix("%").strip() if is_percent else text)
    except ValueError:
        raise ValueError(f"expected a number, got {quote(value)}") from None
    if is_percent:
        if not 0 <= number <= 100:
            raise ValueError(f"a percentage must be in 0..100, got {quote(value)}")
        return number / 100
    return number


def _usd(value: object) -> object:
    return _number(value, currency=True)


def _fraction(value: object) -> object:
    return _number(value, percent=True)


def _text(value: object) -> object:
    """Read JSON ``null`` as an empty string."""
    return "" if value is None else value


Number = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
Usd = Annotated[float, BeforeValidator(_usd), Field(allow_inf_nan=False)]
Fraction = Annotated[float, BeforeValidator(_fraction), Field(allow_inf_nan=False)]
Text = Annotated[str, BeforeValidator(_text)]


def normalize_signal(value: object) -> Signal:
    """Map a signal or one of its synonyms (any case, spaces or hyphens) to a ``Signal``."""
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {quote(value)}")
    word = "_".join(value.strip().lower().replace("-", " ").split())
    signal = SIGNAL_SYNONYMS.get(word)
    if signal is None:
        accepted = ", ".join(s.value for s in Signal)
        raise ValueError(f"unknown signal {quote(value)}; use one of {accepted}")
    return signal


def symbol_aliases(allowed_symbols: Sequence[str]) -> dict[str, str | None]:
    """Map every accepted spelling of each allowed symbol (upper case) to it.

    ``BTC/USDT:USDT`` is reachable as itself, ``BTC``, ``BTC/USDT``, ``BTCUSDT``, ``BTC-USDT`` and
    ``BTC_USDT``. A spelling shared by two allowed symbols maps to ``None`` (ambiguous), unless it
    is one symbol's exact name.
    """
    aliases: dict[str, str | None] = {}
    for symbol in allowed_symbols:
        pair = symbol.upper().split(":", 1)[0]
        base, _, quote_currency = pair.partition("/")
        spellings = {base, pair}
        if quote_currency:
            spellings |= {
                base + quote_currency,
                f"{base}-{quote_currency}",
                f"{base}_{quote_currency}",
            }
        for spelling in spellings:
            aliases[spelling] = symbol if aliases.get(spelling, symbol) == symbol else None
    for symbol in allowed_symbols:
        aliases[symbol.upper()] = symbol
    return aliases


def resolve_symbol(value: str, aliases: Mapping[str, str | None]) -> str:
    """Return the allowed symbol ``value`` names, or raise ``ValueError`` saying what is allowed."""
    key = value.strip().upper()
    if key not in aliases:
        allowed = ", ".join(sorted({s for s in aliases.values() if s is not None}))
        raise ValueError(f"unknown symbol {quote(value)}; allowed: {allowed}")
    symbol = aliases[key]
    if symbol is None:
        raise ValueError(f"ambiguous symbol {quote(value)}; give the full symbol")
    return symbol


class CoinDecision(BaseModel):
    """One coin's decision as the model wrote it.

    Validate with ``context={"aliases": symbol_aliases(allowed)}`` so that the coin resolves to
    an allowed CCXT symbol.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    signal: Signal
    coin: str | None = Field(default=None, validation_alias=AliasChoices("coin", "symbol"))
    mapping_key: str | None = Field(default=None, validation_alias="__key__")
    quantity: Number | None = Field(default=None, validation_alias=AliasChoices("quantity", "qty"))
    notional: Usd | None = Field(
        default=None,
        validation_alias=AliasChoices("notional", "usd_size", "notional_usd", "size_usd"),
    )
    leverage: Number | None = None
    profit_target: Usd | None = Field(
        default=None, validation_alias=AliasChoices("profit_target", "take_profit")
    )
    stop_loss: Usd | None = None
    invalidation_condition: Text = Field(
        default="", validation_alias=AliasChoices("invalidation_condition", "invalidation")
    )
    confidence: Fraction | None = None
    justification: Text = Field(
        default="", validation_alias=AliasChoices("justification", "rationale", "reason")
    )

    @field_validator("signal", mode="before")
    @classmethod
    def _signal(cls, value: object) -> Signal:
        return normalize_signal(value)

    @field_validator("coin", "mapping_key")
    @classmethod
    def _coin(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        context = info.context if isinstance(info.context, Mapping) else {}
        aliases = context.get("aliases")
        if not isinstance(aliases, Mapping):
            return value
        return resolve_symbol(value, aliases)

    @field_validator("confidence")
    @classmethod
    def _confidence(cls, value: float | None) -> float | None:
        if value is None:
            return None
        if 1 < value <= 100:  # a percentage: 75 means 0.75
            return value / 100
        if not 0 <= value <= 1:
            raise ValueError(f"confidence must be in 0..1 (or 0..100 percent), got {value:g}")
        return value

    @field_validator("quantity", "notional", "profit_target", "stop_loss")
    @classmethod
    def _not_negative(cls, value: float | None) -> float | None:
        if value is not None and value < 0:
            raise ValueError(f"must not be negative, got {value:g}")
        # Models write 0 for "no value" (a hold's size, an absent take-profit).
        return None if value == 0 else value

    @model_validator(mode="after")
    def _semantics(self) -> CoinDecision:
        if self.coin is None and self.mapping_key is None:
            raise ValueError("missing 'coin' (or 'symbol')")
        if self.coin is not None and self.mapping_key not in (None, self.coin):
            raise ValueError(f"coin {self.coin} does not match its key {self.mapping_key}")
        if self.signal not in ENTRY_SIGNALS:
            return self
        if self.quantity is None and self.notional is None:
            raise ValueError(
                f"{self.signal.value} needs a size: a positive 'quantity' (coins) "
                "or 'notional' (USD)"
            )
        if self.quantity is not None and self.notional is not None:
            raise ValueError("give either 'quantity' or 'notional', not both")
        if self.leverage is not None and self.leverage < 1:
            raise ValueError(f"leverage must be at least 1, got {self.leverage:g}")
        target, stop = self.profit_target, self.stop_loss
        if target is not None and stop is not None:
            long = self.signal is Signal.BUY_TO_ENTER
            if (long and stop >= target) or (not long and stop <= target):
                side = "below" if long else "above"
                raise ValueError(
                    f"for {self.signal.value} the stop_loss ({stop:g}) must be {side} "
                    f"the profit_target ({target:g})"
                )
        return self

    @property
    def symbol(self) -> str:
        """Return the resolved symbol (from ``coin`` or the mapping key it was listed under)."""
        symbol = self.coin if self.coin is not None else self.mapping_key
        assert symbol is not None  # guaranteed by _semantics
        return symbol


class Answer(BaseModel):
    """The whole answer: optional free-text reasoning and one decision per coin mentioned."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    reasoning: Text = Field(
        default="", validation_alias=AliasChoices("reasoning", "analysis", "thoughts")
    )
    decisions: list[CoinDecision]


_ANSWER_KEYS = frozenset({"reasoning", "analysis", "thoughts"})


def normalize_answer(data: object, aliases: Mapping[str, str | None]) -> object:
    """Bring the accepted shapes of an answer to ``{"reasoning": ..., "decisions": [...]}``.

    Accepted: that shape itself; ``decisions`` as a mapping keyed by coin; a bare list of
    decisions; a single decision object; a top-level mapping keyed by coin. A per-coin object
    wrapped as ``{"trade_signal_args": {...}}`` (nof1's format) is unwrapped. Anything else is
    returned unchanged for validation to reject.
    """
    if isinstance(data, list):
        return {"decisions": _normalize_decisions(data)}
    if not isinstance(data, dict):
        return data
    if "decisions" in data:
        return {**data, "decisions": _normalize_decisions(data["decisions"])}
    if "signal" in data:
        return {"decisions": _normalize_decisions([data])}
    coins = {
        key: value
        for key, value in data.items()
        if isinstance(key, str)
        and key not in _ANSWER_KEYS
        and (key.strip().upper() in aliases or _looks_like_decision(value))
    }
    if coins:
        rest = {key: value for key, value in data.items() if key in _ANSWER_KEYS}
        return {**rest, "decisions": _normalize_decisions(coins)}
    return data


def _looks_like_decision(value: object) -> bool:
    return isinstance(value, dict) and ("signal" in value or "trade_signal_args" in value)


def _normalize_decisions(decisions: object) -> object:
    if isinstance(decisions, list):
        return [_unwrap(item) for item in decisions]
    if isinstance(decisions, dict):
        items = []
        for key, value in decisions.items():
            item = _unwrap(value)
            if isinstance(item, dict):
                item = {**item, "__key__": key}
            items.append(item)
        return items
    return decisions


def _unwrap(item: object) -> object:
    if isinstance(item, dict) and isinstance(item.get("trade_signal_args"), dict):
        return item["trade_signal_args"]
    return item


def describe(data: object, loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as a path, naming the coin of a decision entry.

    ``("decisions", 1, "quantity")`` becomes ``decisions[1] (ETH).quantity``.
    """
    path = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            if isinstance(node, dict):
                coin = node.get("coin", node.get("symbol", node.get("__key__")))
                if isinstance(coin, str):
                    path += f" ({quote(coin).strip(chr(39))})"
        else:
            path += f".{'key' if part == '__key__' else part}" if path else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return path or "answer"
