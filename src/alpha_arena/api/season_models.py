"""What the season endpoints accept and return."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from alpha_arena.core.time import parse_ts

BTC = "BTC/USDT:USDT"


class SeasonCreate(BaseModel):
    """A season as `arena season create` takes it; times are ISO-8601 UTC strings. Strict: a
    value of another JSON type than documented (``false`` for a number) is refused, not cast."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    name: str = Field(min_length=1, max_length=128, examples=["spring-2025"])
    mode: str = Field(default="replay", max_length=16, examples=["replay"])
    exchange: str = Field(default="binance", max_length=32, examples=["binance"])
    symbols: list[str] = Field(min_length=1, max_length=20, examples=[[BTC, "ETH/USDT:USDT"]])
    start: str = Field(max_length=40, examples=["2025-01-01"])
    end: str = Field(max_length=40, examples=["2025-04-01"])
    timeframe: str = Field(default="1h", max_length=8, examples=["1h"])
    capital: float = Field(default=10_000.0, gt=0, lt=1e12, examples=[10_000.0])
    fee_rate: float | None = Field(default=None, ge=0, lt=0.1, examples=[0.0005])
    slippage_bps: float = Field(default=2.0, ge=0, lt=1000, examples=[2.0])
    margin_mode: Literal["isolated", "cross"] = Field(
        default="isolated", examples=["isolated"],
        description="`isolated`: each position is liquidated on its own margin; `cross`: the "
        "account's equity backs every position and the whole account is liquidated when it "
        "falls to their maintenance margin.",
    )  # fmt: skip
    position_mode: Literal["net", "long_short"] = Field(
        default="net", examples=["net"],
        description="`net`: one position per coin; `long_short` (hedge mode): a long and a "
        "short of one coin at once (a `close` decision closes both).",
    )  # fmt: skip
    risk: dict[str, float] = Field(default_factory=dict, examples=[{"max_leverage": 5}])
    risk_preset: str | None = Field(
        default=None, max_length=32, examples=["conservative"],
        description="Named defaults under `risk`: `default` (the built-in values) or "
        "`conservative` (max leverage 3, minimum confidence 0.6, position notional cap 20,000).",
    )  # fmt: skip
    risk_config: dict[str, dict[str, int | float | bool | str | None]] | None = Field(
        default=None, max_length=3, examples=[{"regime": {"trend_adx": 30.0}}],
        description="Settings over the preset and the server's ARENA_CONFIG_FILE, as in a "
        "`--risk-config` file: tables `risk` (limits), `regime` (trend_adx, "
        "squeeze_percentile, window) and `portfolio` (min_score, weighting).",
    )  # fmt: skip
    decision_timeout_s: float = Field(default=60.0, gt=0, le=3600, examples=[60.0])
    elimination_threshold: float = Field(default=0.0, ge=0, lt=1, examples=[0.5])
    min_trades: int = Field(default=10, ge=0, le=100_000, examples=[10])
    baselines: bool = Field(default=True, examples=[True])
    anonymize: bool = Field(
        default=False, examples=[False],
        description="The memorization guard: LLM-driven agents see the coins renamed "
        "(COIN-A ...), the dates moved and the prices rescaled by the season's secret (never "
        "shown), and their prices are mapped back exactly; the engine trades the real market.",
    )  # fmt: skip
    participants: list[str] = Field(default_factory=list, max_length=64, examples=[["ema-trend"]])
    accounts: dict[str, str] = Field(
        default_factory=dict, max_length=64, examples=[{}],
        description="Live seasons: the exchange account (`arena account add`) each participant "
        "trades on, one account per participant.",
    )  # fmt: skip

    def as_config(self) -> dict[str, Any]:
        return self.model_dump() | {"start": parse_ts(self.start), "end": parse_ts(self.end)}


class SeasonOut(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=["spring-2025"])
    mode: str = Field(examples=["replay"])
    status: str = Field(examples=["running"])
    timeframe: str = Field(examples=["1h"])
    start: str = Field(examples=["2025-01-01T00:00:00Z"])
    end: str = Field(examples=["2025-04-01T00:00:00Z"])
    ticks_done: int = Field(examples=[120])
    ticks_total: int = Field(examples=[2160])
    entries: int = Field(examples=[9], description="How many entries compete, baselines included.")
    last_tick: str | None = Field(examples=["2025-01-06T00:00:00Z"])
    message: str = Field(examples=["started"])
    created: str = Field(examples=["2026-11-21T10:00:00Z"])
    updated: str = Field(examples=["2026-11-21T10:00:02Z"])
    config: dict[str, Any] = Field(examples=[{"symbols": [BTC], "capital": 10000.0}])


class EntryOut(BaseModel):
    id: int = Field(examples=[3])
    name: str = Field(examples=["ema-trend"])
    kind: str = Field(examples=["strategy"])
    fingerprint: str = Field(examples=["3f9a1c2b7d40"])
    baseline: bool = Field(examples=[False])
    status: str = Field(examples=["active"])
    equity: float = Field(examples=[10_412.5])
    cash: float = Field(examples=[8_120.0])
    eliminated: str | None = Field(examples=[None])
    config: dict[str, Any] = Field(
        description="The agent's configuration as pinned when the season was created.",
        examples=[{"agent": {"kind": "strategy", "strategy": "ema_trend"}, "pinned": {}}],
    )


class LeaderboardRowOut(BaseModel):
    rank: int = Field(examples=[1])
    entry_id: int = Field(examples=[3])
    name: str = Field(examples=["ema-trend"])
    description: str = Field(examples=["strategy ema_trend fast=12 slow=26"])
    fingerprint: str = Field(examples=["3f9a1c2b7d40"])
    baseline: bool = Field(examples=[False])
    status: str = Field(examples=["active"])
    account_value: float = Field(examples=[10_412.5])
    return_pct: float = Field(examples=[4.125])
    pnl: float = Field(examples=[412.5])
    fees: float = Field(examples=[18.2])
    funding: float = Field(examples=[-2.1])
    win_rate: float | None = Field(examples=[0.55])
    biggest_win: float | None = Field(examples=[310.0])
    biggest_loss: float | None = Field(examples=[-120.0])
    sharpe: float | None = Field(examples=[1.4])
    max_drawdown_pct: float = Field(examples=[6.2])
    trades: int = Field(examples=[14])
    llm_cost_usd: float | None = Field(
        examples=[0.0123],
        description="The LLM calls' cost in USD; null when any call's model has no known price.",
    )
    invalid_decisions: int = Field(
        examples=[0], description="Holds because no valid answer came back (after the repair)."
    )
    repaired_answers: int = Field(
        examples=[2], description="Decisions taken from the answer to a repair request."
    )
    missed_deadlines: int = Field(examples=[1], description="Holds at the decision deadline.")
    avg_decision_ms: float | None = Field(examples=[0.4])
    return_low_pct: float = Field(examples=[-3.0])
    return_high_pct: float = Field(examples=[11.0])
    sharpe_low: float = Field(examples=[-0.5])
    sharpe_high: float = Field(examples=[3.1])
    p_beats_btc: float | None = Field(examples=[0.62])
    few_trades: bool = Field(examples=[False])
    beta_btc: float | None = Field(
        examples=[0.85],
        description="Exposure to BTC: the slope of the entry's per-tick returns on BTC "
        "buy-and-hold's (1: moves with BTC; 0: unrelated; 2: twice as much). Null when "
        "undefined (fewer than three ticks, or no BTC data).",
    )
    alpha_btc_pct: float | None = Field(
        examples=[12.4],
        description="Jensen's alpha vs BTC, per year, percent: the return left after the part "
        "explained by BTC exposure (beta).",
    )
    alpha_btc_low_pct: float | None = Field(examples=[-20.5], description="Its interval's low.")
    alpha_btc_high_pct: float | None = Field(examples=[48.0], description="Its interval's high.")
    beta_basket: float | None = Field(
        examples=[0.7], description="Beta to the equal-weight basket of the season's coins."
    )
    alpha_basket_pct: float | None = Field(
        examples=[9.1], description="Jensen's alpha vs the basket, per year, percent."
    )
    alpha_basket_low_pct: float | None = Field(examples=[-25.0])
    alpha_basket_high_pct: float | None = Field(examples=[44.0])
    net_exposure: float | None = Field(
        examples=[0.35],
        description="Average signed value of the positions over equity (0.5: half the equity "
        "long, net of shorts).",
    )
    gross_exposure: float | None = Field(
        examples=[0.6], description="Average unsigned value of the positions over equity."
    )
    long_share: float | None = Field(examples=[0.55], description="Share of ticks net long.")
    short_share: float | None = Field(examples=[0.1], description="Share of ticks net short.")
    flat_share: float | None = Field(
        examples=[0.35], description="Share of ticks with no net exposure."
    )
    turnover: float | None = Field(
        examples=[4.2], description="Notional traded over the average equity."
    )
    model_version: str | None = Field(
        default=None,
        examples=["gpt-4o-2024-08-06"],
        description="The model version that answered the entry's latest LLM call, as the "
        "provider's answer named it; null for entries that made no answered call.",
    )
    model_versions: list[str] = Field(
        default_factory=list,
        examples=[["gpt-4o-2024-11-20", "gpt-4o-2024-08-06"]],
        description="Every model version that answered the entry in this season, the latest "
        "first: more than one means the provider updated the model during the season.",
    )


class LeaderboardOut(BaseModel):
    season_id: int = Field(examples=[1])
    name: str = Field(examples=["spring-2025"])
    status: str = Field(examples=["finished"])
    ticks: int = Field(examples=[2160])
    start: str = Field(examples=["2025-01-01T00:00:00Z"])
    last_tick: str | None = Field(examples=["2025-04-01T00:00:00Z"])
    confidence: float = Field(examples=[0.9])
    min_trades: int = Field(examples=[10])
    rows: list[LeaderboardRowOut]
    real: bool = Field(
        examples=[False],
        description="A live season: every figure comes from executions on real exchange "
        "accounts (testnet, demo or mainnet), not from simulated fills.",
    )
    rank_by: str = Field(
        examples=["value"],
        description="What the rows are ranked by: value (account value), alpha (vs BTC) or "
        "sharpe; entries without a value rank last.",
    )


class CompareOut(BaseModel):
    """For every pair of a season's entries, the chance that one's total return beat the
    other's: the share of paired block-bootstrap resamples (every entry resampled on the same
    market moments) in which it did, ties counting half."""

    season_id: int = Field(examples=[1])
    ticks: int = Field(examples=[2160], description="The ticks compared (the season's so far).")
    samples: int = Field(examples=[2000], description="Bootstrap resamples.")
    entries: list[str] = Field(
        examples=[["ema-fast", "btc-buy-and-hold", "flat"]],
        description="The entries' names in leaderboard order: the rows and columns of p_beats.",
    )
    p_beats: list[list[float]] = Field(
        examples=[[[0.5, 0.63, 0.71], [0.37, 0.5, 0.58], [0.29, 0.42, 0.5]]],
        description="p_beats[i][j]: the probability that entries[i] beat entries[j]; 0.5 on "
        "the diagonal, and p_beats[i][j] + p_beats[j][i] = 1.",
    )


class LlmCallOut(BaseModel):
    """One model call: the prompt sent, the raw answer, and what was parsed from it."""

    ts: int = Field(examples=[1735693200000])
    provider: str = Field(examples=["deepseek"])
    model: str = Field(examples=["deepseek-chat"])
    messages: list[dict[str, Any]] = Field(
        examples=[[{"role": "system", "content": "You trade..."}]]
    )
    raw_response: str | None = Field(examples=['{"decisions": []}'])
    parsed_decision: dict[str, Any] | None = Field(examples=[{"decisions": []}])
    error: str | None = Field(examples=[None])
    input_tokens: int = Field(examples=[1800])
    output_tokens: int = Field(examples=[240])
    latency_ms: float = Field(examples=[950.0])
    cost_usd: float | None = Field(
        examples=[0.0007], description="Null when the model's price is unknown."
    )
    cached: bool = Field(examples=[False])
    reasoning: str | None = Field(
        examples=["RSI is neutral and funding flat; no edge."],
        description="The model's separate reasoning channel (thinking), when it has one.",
    )
    model_version: str | None = Field(
        default=None,
        examples=["gpt-4o-2024-08-06"],
        description="The model version that answered, as the provider's response named it "
        "(`GET /models/versions`); null when no model answered.",
    )


class DecisionOut(BaseModel):
    entry: str = Field(examples=["llm-deepseek"])
    seq: int = Field(
        examples=[40], description="The entry's decision number, from 0: with the entry, its "
        "address (`GET /seasons/{id}/decisions/{entry}/{seq}`).",
    )  # fmt: skip
    tick: int = Field(examples=[41])
    ts: int = Field(examples=[1735693200000])
    time: str = Field(examples=["2025-01-01T01:00:00Z"])
    reasoning: str = Field(examples=["BTC broke out above the 4h range; long with a stop."])
    actions: list[dict[str, Any]] = Field(
        examples=[[{"symbol": BTC, "signal": "buy_to_enter", "leverage": 3}]]
    )
    latency_ms: float = Field(examples=[950.0])
    outcome: str = Field(
        examples=["valid"],
        description="valid, repaired (from the answer to a repair request), invalid (a hold: "
        "no valid answer) or deadline (a hold: cut off at the decision deadline).",
    )
    llm_calls: list[LlmCallOut] = Field(description="The model chat behind this decision.")


class OrderEventOut(BaseModel):
    ts: int = Field(examples=[1735693200000])
    action: str = Field(examples=["fill"])
    status_from: str = Field(examples=["accepted"])
    status_to: str = Field(examples=["filled"])
    quantity: float = Field(examples=[0.01])
    price: float = Field(examples=[94_120.5])
    reason: str = Field(examples=[""])


class OrderOut(BaseModel):
    entry: str = Field(examples=["ema-trend"])
    client_order_id: str = Field(examples=["ema-trend-000007"])
    tick: int = Field(examples=[41])
    ts: int = Field(examples=[1735693200000])
    symbol: str = Field(examples=[BTC])
    side: str = Field(examples=["buy"])
    type: str = Field(examples=["market"])
    quantity: float = Field(examples=[0.01])
    price: float | None = Field(examples=[None])
    trigger_price: float | None = Field(examples=[None])
    reduce_only: bool = Field(examples=[False])
    leverage: float = Field(examples=[3.0])
    tag: str = Field(examples=["entry"])
    status: str = Field(description="After its last event.", examples=["filled"])
    events: list[OrderEventOut]


class FillOut(BaseModel):
    entry: str = Field(examples=["ema-trend"])
    tick: int = Field(examples=[42])
    ts: int = Field(examples=[1735696800000])
    time: str = Field(examples=["2025-01-01T02:00:00Z"])
    client_order_id: str = Field(examples=["ema-trend-000007"])
    symbol: str = Field(examples=[BTC])
    side: str = Field(examples=["buy"])
    quantity: float = Field(examples=[0.01])
    price: float = Field(examples=[94_140.1])
    fee: float = Field(examples=[0.47])
    liquidity: str = Field(examples=["taker"])
    realized_pnl: float = Field(examples=[0.0])
    tag: str = Field(examples=["entry"])


class PositionOut(BaseModel):
    entry: str = Field(examples=["ema-trend"])
    symbol: str = Field(examples=[BTC])
    side: str = Field(examples=["long"])
    quantity: float = Field(examples=[0.01])
    entry_price: float = Field(examples=[94_140.1])
    mark_price: float | None = Field(examples=[95_010.0])
    notional: float | None = Field(examples=[950.1])
    unrealized_pnl: float | None = Field(examples=[8.7])
    margin: float = Field(examples=[313.8])
    leverage: float = Field(examples=[3.0])
    liquidation_price: float = Field(examples=[63_200.0])
    opened: str = Field(examples=["2025-01-01T02:00:00Z"])
    take_profit: float | None = Field(examples=[99_000.0])
    stop_loss: float | None = Field(examples=[92_000.0])
    invalidation: str = Field(examples=["4h close below 91,500"])


class EquityPoint(BaseModel):
    tick: int = Field(examples=[41])
    ts: int = Field(examples=[1735693200000])
    equity: float = Field(examples=[10_412.5])
    cash: float = Field(examples=[8_120.0])
    exposure: float = Field(examples=[2_300.0])


class EquitySeries(BaseModel):
    entry: str = Field(examples=["ema-trend"])
    points: list[EquityPoint]
    total_points: int = Field(description="Before downsampling.", examples=[2160])


class EquityOut(BaseModel):
    season_id: int = Field(examples=[1])
    series: list[EquitySeries]
