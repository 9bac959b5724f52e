"""The anonymized tape (memorization guard): the market an LLM-driven agent is shown, disguised.

A model may remember prices, dates and coins from its training data; shown the real tape it
could trade on memory rather than skill. In a season created with ``anonymize`` the engine
trades the real market, but every agent that reads a decision context sees:

- coins renamed ``COIN-A`` .. (``COIN-A/USDT:USDT``), the letters dealt in an order drawn from
  the season's secret, and listed in that masked order;
- times moved by a secret whole number of weeks into a far-off century (hour of day and
  weekday are kept: funding hours and weekend liquidity are market structure, not memory; the
  date and the year are not real);
- prices (closes, EMA, MACD, ATR, positions' entry, mark, liquidation, take-profit and
  stop-loss) multiplied by a secret per-coin factor, quantities in coins (open interest,
  volume, position sizes) divided by it, so that notionals, returns and the account (USD) stay
  true; RSI, funding rates and every percentage are unitless and left as they are.

The API, for any agent that receives a context (an LLM prompt, a remote agent's JSON):

- ``TapeMask.create(secret, ticks, ranges)``: the mask of a season (``seasons.lineup.season_tape``
  builds it from the season's stored secret and its market);
- ``mask_context(context) -> DecisionContext``: what the agent is shown (fields added to a
  ``DecisionContext`` later pass through ``dataclasses.replace`` unchanged: mask them here if
  they carry prices, coins or dates);
- ``unmask_decision(decision) -> Decision``: the agent's answer (parsed against the masked
  symbols, at the masked time) mapped back: real symbols, real time, quantities times the
  factor, take-profit and stop-loss on the real instrument's price grid;
- ``scrub(text)``: a rendered prompt with any real coin name a template wrote literally
  replaced, by a name that tells nothing of which coin is which: a quoted one (the default's
  ``"coin": "BTC"`` format example) by ``"COIN-A"``, any other (a baseline named
  ``btc-buy-and-hold``) by ``COIN``;
- ``HIDDEN_EXCHANGE``: what to call the exchange.

Exactness. A real price ``p = k * tick`` is shown as ``p' = round(f * p, d)``, where ``d`` is
the fewest decimals whose unit ``10**-d`` is at most a tenth of ``f * tick`` (the real grid's
spacing after scaling). So ``|p'/f - p| <= 10**-d / (2 f) <= tick / 20``, well inside half a
tick, and ``unmask_price`` (``p'/f`` rounded to the nearest multiple of the tick, built as a
decimal so that the float is the one ``float("42503.5")`` gives) returns ``p`` exactly, for
any factor and any price (double rounding error is ~1e-16 relative, negligible against a
twentieth of a tick up to 1e14 ticks). An agent that writes a price it was shown therefore
gets the real price it meant; a price it invents lands on the nearest tick, as the engine
would round it. The factor itself is tidy (six significant digits).

Factors are drawn so that masked prices stay away from every real price level of the season's
coins (``ranges``: each coin's real low and high, widened by ``REACH`` for the take-profits,
stops and liquidation prices around them, and by a margin): each coin's masked band is placed
at a position drawn from the secret in the room between the real bands, preferably between 1
and 1,000,000, else above them all. A number in the prompt near a real price is then a
coincidence of an indicator, not the market's level. The mask holds no secret, only what was
drawn from it; everything is a pure function of its inputs, so equal secrets give equal prompts
(and a replayed season finds its answers in the response cache)."""

from __future__ import annotations

import hashlib
import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from alpha_arena.agents.context import (
    AccountContext,
    CoinContext,
    DecisionContext,
    HigherTimeframe,
    PositionContext,
)
from alpha_arena.core.errors import AgentError, InvalidInputError
from alpha_arena.domain.decisions import Decision, SymbolDecision

HIDDEN_EXCHANGE = "an exchange"
#: The arena's coins: a template naming one literally is scrubbed even when the season trades
#: other coins.
KNOWN_BASES = ("BTC", "ETH", "SOL", "BNB", "DOGE", "XRP")
#: Masked levels are placed preferably between 10**0 and 10**6.
PREFERRED_DECADES = (0.0, 6.0)
#: How far beyond a coin's real range the prices around it reach (exit plans, liquidation).
REACH = 1.25
#: The least distance, as a ratio, between a masked band and a real one.
MARGIN = 1.06
_WEEK_MS = 7 * 24 * 3_600_000
_OFFSET_WEEKS = (10_000, 40_000)  # ~190 to ~770 years ahead
_SIGNIFICANT = 8  # digits kept of a masked quantity (open interest, volume, a position's size)


@dataclass(frozen=True, slots=True)
class MaskedCoin:
    """One coin's disguise: masked price = real price * ``factor``, rounded to ``decimals``."""

    symbol: str  # the real one, e.g. BTC/USDT:USDT
    masked: str  # e.g. COIN-C/USDT:USDT
    factor: float
    tick: float  # the real instrument's price tick
    decimals: int


@dataclass(frozen=True, slots=True)
class TapeMask:
    coins: tuple[MaskedCoin, ...]  # in masked-name order
    ts_offset: int  # masked time = real time + offset (whole weeks)
    _by_real: dict[str, MaskedCoin] = field(init=False, repr=False, compare=False)
    _by_masked: dict[str, MaskedCoin] = field(init=False, repr=False, compare=False)
    _names: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.coins:
            raise InvalidInputError("an anonymized tape needs at least one coin")
        object.__setattr__(self, "_by_real", {coin.symbol: coin for coin in self.coins})
        object.__setattr__(self, "_by_masked", {coin.masked: coin for coin in self.coins})
        names = {*KNOWN_BASES, *(_base(coin.symbol).upper() for coin in self.coins)}
        words = "|".join(re.escape(word) for word in sorted(names, key=len, reverse=True))
        # Whole words in any case: "BTC", "btc-buy-and-hold", but not "BTCX" or "method".
        pattern = re.compile(rf'(")?(?<![A-Za-z0-9])(?:{words})(?![A-Za-z0-9])(")?', re.IGNORECASE)
        object.__setattr__(self, "_names", pattern)

    @classmethod
    def create(
        cls,
        secret: str,
        ticks: Mapping[str, float],
        ranges: Mapping[str, tuple[float, float]],
    ) -> TapeMask:
        """The mask drawn from ``secret`` for the coins of ``ticks`` (real symbol -> price
        tick), keeping masked prices away from every real range in ``ranges`` (real symbol ->
        lowest and highest price; it must cover the coins of ``ticks`` and may hold more)."""
        if not secret:
            raise InvalidInputError("an anonymized tape needs a secret")
        missing = [symbol for symbol in ticks if symbol not in ranges]
        if missing:
            raise InvalidInputError(f"no price range for {', '.join(missing)}")
        if len(ticks) > len(string.ascii_uppercase):
            raise InvalidInputError(f"an anonymized tape masks at most 26 coins, not {len(ticks)}")
        for symbol, (low, high) in ranges.items():
            if not (0 < low <= high and math.isfinite(high)):
                raise InvalidInputError(f"price range of {symbol} is not positive: {low}..{high}")
        for symbol, tick in ticks.items():
            if not (tick > 0 and math.isfinite(tick)):
                raise InvalidInputError(f"price tick of {symbol} is not positive: {tick}")
        # The letters are dealt by the secret, not by the order the coins are listed in.
        order = sorted(ticks, key=lambda symbol: _digest(secret, "name", symbol))
        margin = math.log10(MARGIN)
        blocked = [
            (math.log10(low) - margin, math.log10(high) + margin) for low, high in ranges.values()
        ]
        coins = []
        for letter, symbol in zip(string.ascii_uppercase, order, strict=False):
            low, high = ranges[symbol]
            reach_low, reach_high = low / REACH, high * REACH
            width = math.log10(reach_high / reach_low)
            start = _place(width, blocked, _uniform(secret, "level", symbol))
            factor = float(f"{10**start / reach_low:.6g}")
            tick = ticks[symbol]
            coins.append(
                MaskedCoin(symbol, _masked_symbol(letter, symbol), factor, tick,
                           _decimals(factor * tick))
            )  # fmt: skip
        low_weeks, high_weeks = _OFFSET_WEEKS
        weeks = low_weeks + int(_uniform(secret, "time", "") * (high_weeks - low_weeks))
        return cls(tuple(coins), weeks * _WEEK_MS)

    # -- single values -------------------------------------------------------------------------

    def mask_symbol(self, symbol: str) -> str:
        return self._real(symbol).masked

    def unmask_symbol(self, masked: str) -> str:
        coin = self._by_masked.get(masked)
        if coin is None:
            raise AgentError(f"{masked!r} is not a coin of this tape")
        return coin.symbol

    def mask_ts(self, ts: int) -> int:
        return ts + self.ts_offset

    def unmask_ts(self, ts: int) -> int:
        return ts - self.ts_offset

    def mask_price(self, symbol: str, price: float) -> float:
        """``price`` of the real ``symbol`` as shown (any price-valued number: a level, an
        EMA, a MACD or ATR difference)."""
        coin = self._real(symbol)
        return round(price * coin.factor, coin.decimals)

    def unmask_price(self, symbol: str, masked: float) -> float:
        """The real price on ``symbol``'s tick grid nearest to what ``masked`` stands for;
        exact for every price the agent was shown (see the module's docstring)."""
        coin = self._real(symbol)
        ticks = round(masked / coin.factor / coin.tick)
        return float(Decimal(ticks) * Decimal(repr(coin.tick)))

    def mask_quantity(self, symbol: str, quantity: float) -> float:
        return _significant(quantity / self._real(symbol).factor)

    def unmask_quantity(self, symbol: str, masked: float) -> float:
        return masked * self._real(symbol).factor

    # -- contexts and decisions ----------------------------------------------------------------

    def mask_context(self, context: DecisionContext) -> DecisionContext:
        """``context`` as the agent is shown it (see the module's docstring)."""
        coins = sorted((self._coin(coin) for coin in context.coins), key=lambda c: c.symbol)
        account = self._account(context.account)
        standings = tuple(
            replace(standing, name=self.scrub(standing.name)) for standing in context.standings
        )
        return replace(
            context, ts=self.mask_ts(context.ts), coins=tuple(coins), account=account,
            standings=standings,
        )  # fmt: skip

    def unmask_decision(self, decision: Decision) -> Decision:
        """``decision``, made on the masked context (its symbols among the masked ones, its
        time the masked one), as the engine must execute it."""
        return replace(
            decision,
            ts=self.unmask_ts(decision.ts),
            actions=tuple(self._action(action) for action in decision.actions),
        )

    def scrub(self, text: str) -> str:
        """``text`` with every real coin name (a season's, or one of ``KNOWN_BASES``) a
        template wrote literally replaced: never by the coin's own masked name, which would
        tell which masked coin the template's example (BTC, say) is. A quoted name is a format
        example and becomes the first masked coin, so that a model copying it names a coin
        it may trade; any other becomes ``COIN``."""

        def neutral(match: re.Match[str]) -> str:
            if match.group(1) and match.group(2):
                return f'"{self.example_coin}"'
            return f"{match.group(1) or ''}COIN{match.group(2) or ''}"

        return self._names.sub(neutral, text)

    @property
    def example_coin(self) -> str:
        """The coin to show in a format example: the first masked one."""
        return _base(self.coins[0].masked)

    # -- pieces --------------------------------------------------------------------------------

    def _real(self, symbol: str) -> MaskedCoin:
        coin = self._by_real.get(symbol)
        if coin is None:
            # Never shown unmasked: a coin the tape does not know fails the decision.
            raise AgentError("the anonymized tape has no mask for a coin of this context")
        return coin

    def _coin(self, coin: CoinContext) -> CoinContext:
        symbol = coin.symbol

        def prices(values: tuple[float, ...]) -> tuple[float, ...]:
            return tuple(self.mask_price(symbol, value) for value in values)

        higher = coin.higher
        if higher is not None:
            higher = HigherTimeframe(
                higher.timeframe, self.mask_price(symbol, higher.ema20),
                self.mask_price(symbol, higher.ema50), self.mask_price(symbol, higher.atr3),
                self.mask_price(symbol, higher.atr14), self.mask_quantity(symbol, higher.volume),
                self.mask_quantity(symbol, higher.volume_average),
            )  # fmt: skip
        interest = coin.open_interest
        return replace(
            coin,
            symbol=self.mask_symbol(symbol),
            ts_last_close=self.mask_ts(coin.ts_last_close),
            price=self.mask_price(symbol, coin.price),
            closes=prices(coin.closes),
            ema20=prices(coin.ema20),
            macd=prices(coin.macd),
            higher=higher,
            open_interest=None if interest is None else self.mask_quantity(symbol, interest),
        )

    def _account(self, account: AccountContext) -> AccountContext:
        positions = sorted(
            (self._position(position) for position in account.positions), key=lambda p: p.symbol
        )
        return replace(account, positions=tuple(positions))

    def _position(self, position: PositionContext) -> PositionContext:
        symbol = position.symbol

        def price(value: float | None) -> float | None:
            return None if value is None else self.mask_price(symbol, value)

        return replace(
            position,
            symbol=self.mask_symbol(symbol),
            quantity=self.mask_quantity(symbol, position.quantity),
            entry_price=self.mask_price(symbol, position.entry_price),
            mark_price=self.mask_price(symbol, position.mark_price),
            liquidation_price=self.mask_price(symbol, position.liquidation_price),
            take_profit=price(position.take_profit),
            stop_loss=price(position.stop_loss),
        )

    def _action(self, action: SymbolDecision) -> SymbolDecision:
        symbol = self.unmask_symbol(action.symbol)

        def price(value: float | None) -> float | None:
            return None if value is None else self.unmask_price(symbol, value)

        quantity = action.quantity
        return replace(
            action,
            symbol=symbol,
            quantity=None if quantity is None else self.unmask_quantity(symbol, quantity),
            take_profit=price(action.take_profit),
            stop_loss=price(action.stop_loss),
        )  # the invalidation is the agent's own text: it stays in its words (masked prices)


def _base(symbol: str) -> str:
    return symbol.split("/", 1)[0]


def _masked_symbol(letter: str, symbol: str) -> str:
    """``COIN-<letter>`` with the real symbol's quote and settlement (USDT tells nothing)."""
    _, slash, rest = symbol.partition("/")
    return f"COIN-{letter}{slash}{rest}"


def _digest(secret: str, purpose: str, item: str) -> bytes:
    return hashlib.sha256(f"{purpose}\x00{item}\x00{secret}".encode()).digest()


def _uniform(secret: str, purpose: str, item: str) -> float:
    """A number in [0, 1) drawn from the secret: the same on every machine and Python."""
    return int.from_bytes(_digest(secret, purpose, item)[:8], "big") / 2.0**64


def _decimals(grid_spacing: float) -> int:
    """The fewest decimals (at least 0) whose unit is at most a tenth of ``grid_spacing``."""
    decimals = 0
    while 10.0**-decimals > grid_spacing / 10 and decimals < 30:
        decimals += 1
    return decimals


def _significant(value: float) -> float:
    return float(f"{value:.{_SIGNIFICANT}g}")


def _place(width: float, blocked: list[tuple[float, float]], draw: float) -> float:
    """Where (log10) a band ``width`` decades wide starts: at the position ``draw`` (0..1)
    along the room the ``blocked`` bands leave in the preferred decades, or, with no room
    there, just above every blocked band."""
    low, high = PREFERRED_DECADES
    gaps: list[tuple[float, float]] = []
    position = low
    for start, end in sorted(blocked):
        if start > position:
            gaps.append((position, min(start, high)))
        position = max(position, end)
    if position < high:
        gaps.append((position, high))
    room = [(start, end - width) for start, end in gaps if end - width > start]
    total = sum(end - start for start, end in room)
    if total <= 0:
        top = max((end for _, end in blocked), default=high)
        return max(top, high) + draw  # within a decade above it all
    along = draw * total
    for start, end in room:
        if along <= end - start:
            return start + along
        along -= end - start
    return room[-1][1]
