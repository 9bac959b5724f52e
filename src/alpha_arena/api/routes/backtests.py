"""Backtests: run and store one, list them, read one's metrics, equity curve, trades, orders,
decisions, position path and risk events, download its tables as CSV and compare two or three
side by side (``arena backtest``)."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FiniteFloat,
    JsonValue,
    StrictBool,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from alpha_arena.api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from alpha_arena.api.pagination import Page, Window, page, window
from alpha_arena.api.security import require_reader, require_writer
from alpha_arena.api.state import context_of
from alpha_arena.backtest.run import BacktestConfig
from alpha_arena.core.errors import InvalidInputError, NotFoundError
from alpha_arena.core.time import SUPPORTED_TIMEFRAMES, timeframe_ms, to_iso
from alpha_arena.services import backtests, profiles
from alpha_arena.services.context import AppContext
from alpha_arena.services.csv_tables import csv_text
from alpha_arena.storage.backtest_store import BacktestStore, BacktestSummary
from alpha_arena.strategies import registry

router = APIRouter(prefix="/backtests", tags=["backtests"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader)])  # fmt: skip

MAX_SYMBOLS = 6
MAX_PARAMS = 32
#: The longest window a backtest may span, in bars of its timeframe (about 114 years of 1h).
MAX_WINDOW_BARS = 1_000_000
MAX_ID = 2**31 - 1
MAX_COMPARED = 3
#: What ``ids`` must look like (documented; checked by ``_ids`` to answer 400, not 422).
_IDS_PATTERN = rf"^ *[0-9]+ *(, *[0-9]+ *){{1,{MAX_COMPARED - 1}}}$"
#: Documented choices, checked by the service (an unknown one is a 400 naming the choices).
STRATEGY_CHOICES: list[JsonValue] = list(registry.names())
TIMEFRAME_CHOICES: list[JsonValue] = list(SUPPORTED_TIMEFRAMES)

Symbol = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9/:._-]{0,63}$")]
SymbolList = Annotated[list[Symbol], Field(min_length=1, max_length=MAX_SYMBOLS)]
ParamName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ParamValue = (
    StrictBool
    | Annotated[int, Field(ge=-(10**15), le=10**15)]
    | FiniteFloat
    | Annotated[str, StringConstraints(max_length=64)]
)
RunId = Annotated[int, Path(alias="id", ge=1, le=MAX_ID, description="Backtest id.")]
MetricValue = float | int | None

_METRICS_EXAMPLE: dict[str, MetricValue] = {
    "total_return": 0.0412, "cagr": 0.27, "max_drawdown": 0.061, "sharpe": 1.42,
    "sortino": 2.05, "trade_count": 17, "win_rate": 0.47, "fees_paid": 38.5,
    "funding_paid": 4.2, "end_equity": 10412.0,
}  # fmt: skip
_CONFIG_EXAMPLE: dict[str, Any] = {
    "strategy": "ema_trend", "symbols": ["BTC/USDT:USDT"], "timeframe": "1h",
    "start": "2024-01-01T00:00:00Z", "end": "2024-03-01T00:00:00Z", "ts_start": 1704067200000,
    "ts_end": 1709251200000, "capital": 10000.0, "fee_rate": 0.0005, "slippage_bps": 2.0,
    "leverage": 1.0, "stop_loss": None, "take_profit": None,
    "params": {"fast": "12", "slow": "26"}, "exchange": "binance",
}  # fmt: skip


MarginModeName = Literal["isolated", "cross"]
PositionModeName = Literal["net", "long_short"]


def _no_default(schema: dict[str, JsonValue]) -> None:
    """Leave the default out of a field's schema (a null default of a non-null field)."""
    schema.pop("default", None)


def margin_mode_field() -> Any:
    """A request's ``margin_mode`` (optional: isolated when left out)."""
    return Field(
        default="isolated", examples=["cross"], json_schema_extra=_no_default,
        description="The paper account's margin: `isolated` (the default; each position on "
        "its own margin) or `cross` (the account's equity backs every position; liquidation "
        "takes the whole account).",
    )  # fmt: skip


def position_mode_field() -> Any:
    """A request's ``position_mode`` (optional: net when left out)."""
    return Field(
        default="net", examples=["net"], json_schema_extra=_no_default,
        description="The paper account's positions: `net` (the default; one per coin) or "
        "`long_short` (hedge mode: a long and a short of a coin at once).",
    )  # fmt: skip


class BacktestRequest(BaseModel):
    """A backtest to run, as ``arena backtest run`` takes it."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, strict=True,
        json_schema_extra={"oneOf": [{"required": ["symbols"]}, {"required": ["symbol"]}]},
    )  # fmt: skip

    strategy: str = Field(
        min_length=1, max_length=64, examples=["ema_trend"],
        json_schema_extra={"enum": STRATEGY_CHOICES},
        description="A library strategy (see GET /api/v1/strategies).",
    )  # fmt: skip
    symbols: SymbolList | SkipJsonSchema[None] = Field(
        default=None, examples=[["BTC/USDT:USDT", "ETH/USDT:USDT"]],
        json_schema_extra=_no_default,
        description=f"The symbols to trade (1 to {MAX_SYMBOLS}); or give `symbol`.",
    )  # fmt: skip
    symbol: Symbol | SkipJsonSchema[None] = Field(
        default=None, examples=["BTC/USDT:USDT"], json_schema_extra=_no_default,
        description="One symbol; or give `symbols`.",
    )  # fmt: skip
    timeframe: str = Field(
        default="1h", min_length=1, max_length=8, examples=["1h"],
        json_schema_extra={"enum": TIMEFRAME_CHOICES},
    )  # fmt: skip
    start: str = Field(
        min_length=1, max_length=40, examples=["2024-01-01"],
        description="UTC date or time (ISO-8601), e.g. 2024-01-01.",
    )  # fmt: skip
    end: str = Field(
        min_length=1, max_length=40, examples=["2024-03-01"],
        description="UTC date or time (ISO-8601, exclusive).",
    )  # fmt: skip
    capital: float = Field(default=10_000.0, gt=0, lt=1e12, examples=[10_000.0])
    fee_rate: float | None = Field(
        default=None, ge=0, lt=0.1, examples=[0.0005],
        description="Fee per fill as a fraction; null: each instrument's own fees.",
    )  # fmt: skip
    slippage_bps: float = Field(default=0.0, ge=0, lt=1000, examples=[2.0])
    leverage: float = Field(default=1.0, ge=1, le=125, examples=[1.0])
    params: dict[ParamName, ParamValue] = Field(
        default_factory=dict, max_length=MAX_PARAMS, examples=[{"fast": 12, "slow": 26}],
        description="Strategy parameters by name; omitted ones take their defaults.",
    )  # fmt: skip
    stop_loss: float | None = Field(
        default=None, gt=0, lt=1, examples=[0.05],
        description="Stop-loss distance as a fraction of the entry price.",
    )  # fmt: skip
    take_profit: float | None = Field(
        default=None, gt=0, lt=1, examples=[0.1],
        description="Take-profit distance as a fraction of the entry price.",
    )  # fmt: skip
    exchange: str = Field(
        default="binance", pattern=r"^[A-Za-z0-9_.-]{1,32}$", examples=["binance"],
        description="Whose stored data to use.",
    )  # fmt: skip
    margin_mode: MarginModeName = margin_mode_field()
    position_mode: PositionModeName = position_mode_field()
    risk_preset: str | None = Field(
        default=None, max_length=32, examples=["conservative"],
        description="Risk limits of a named preset: `default` (none but the leverage) or "
        "`conservative` (max leverage 3, minimum confidence 0.6, position notional 20,000).",
    )  # fmt: skip
    risk_config: dict[str, dict[str, int | float | bool | str | None]] | None = Field(
        default=None, max_length=3, examples=[{"risk": {"max_position_notional": 5000.0}}],
        description="Settings over the preset and the server's ARENA_CONFIG_FILE, as in a "
        "`--risk-config` file; a backtest uses its `risk` table (RiskLimits' names).",
    )  # fmt: skip

    @model_validator(mode="after")
    def _one_way_to_name_symbols(self) -> Self:
        given = [name for name in ("symbols", "symbol") if name in self.model_fields_set]
        if len(given) != 1 or getattr(self, given[0]) is None:
            raise ValueError("give either `symbols` (a list) or `symbol`, not both or neither")
        return self

    def symbol_list(self) -> list[str]:
        return self.symbols if self.symbols is not None else [str(self.symbol)]


class BacktestOverview(BaseModel):
    """A stored backtest and its metrics."""

    id: int = Field(examples=[7])
    strategy: str = Field(examples=["ema_trend"])
    symbols: list[str] = Field(examples=[["BTC/USDT:USDT"]])
    timeframe: str = Field(examples=["1h"])
    start: str = Field(examples=["2024-01-01T00:00:00Z"])
    end: str = Field(examples=["2024-03-01T00:00:00Z"])
    bars: int = Field(examples=[1440], description="Bars simulated.")
    created: str = Field(examples=["2026-06-01T12:00:00Z"])
    metrics: dict[str, MetricValue] = Field(
        examples=[_METRICS_EXAMPLE],
        description="Every metric by name (fractions: 0.05 = 5%; money in the quote currency).",
    )
    denials: dict[str, int] = Field(
        examples=[{"margin": 3, "min_notional": 1}],
        description="Actions the risk checks denied, counted by rule (empty when none was): "
        "why a run made fewer trades than its strategy asked for, or none.",
    )


class BacktestDetail(BacktestOverview):
    """A stored backtest: its configuration and metrics."""

    config: dict[str, Any] = Field(
        examples=[_CONFIG_EXAMPLE], description="The configuration it ran with."
    )


class EquityPoint(BaseModel):
    ts: int = Field(examples=[1704067200000], description="Epoch milliseconds (UTC).")
    equity: float = Field(examples=[10012.5])
    cash: float = Field(examples=[9000.0])
    exposure: float = Field(examples=[0.98], description="Gross notional / equity.")


class EquityCurve(BaseModel):
    id: int = Field(examples=[7])
    total: int = Field(examples=[1440], description="Points stored.")
    step: int = Field(examples=[3], description="Every step-th point is returned (and the last).")
    items: list[EquityPoint] = Field(
        examples=[[{"ts": 1704067200000, "equity": 10000.0, "cash": 10000.0, "exposure": 0.0}]]
    )


class BacktestTrade(BaseModel):
    seq: int = Field(examples=[0])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    side: str = Field(examples=["long"])
    quantity: float = Field(examples=[0.23])
    entry_price: float = Field(examples=[42150.5])
    exit_price: float = Field(examples=[43010.0])
    ts_entry: int = Field(examples=[1704099600000])
    ts_exit: int = Field(examples=[1704301200000])
    pnl: float = Field(examples=[187.3], description="Net of fees and funding.")
    fees: float = Field(examples=[9.8])
    funding: float = Field(examples=[0.6])
    exit_reason: str = Field(examples=["signal"])


class BacktestOrder(BaseModel):
    client_order_id: str = Field(examples=["ema_trend-BTCUSDT-000001"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    side: str = Field(examples=["buy"])
    type: str = Field(examples=["market"])
    quantity: float = Field(examples=[0.23])
    price: float | None = Field(examples=[None])
    trigger_price: float | None = Field(examples=[None])
    reduce_only: bool = Field(examples=[False])
    leverage: float = Field(examples=[1.0])
    tag: str = Field(examples=["entry"])
    status: str = Field(examples=["filled"])
    filled_quantity: float = Field(examples=[0.23])
    average_price: float = Field(examples=[42150.5])
    fee: float = Field(examples=[4.85])
    reason: str = Field(examples=[""])
    ts_created: int = Field(examples=[1704096000000])
    ts_updated: int = Field(examples=[1704099600000])


class BacktestDecision(BaseModel):
    """One action of a decision the strategy took (only where its target changed)."""

    seq: int = Field(examples=[0])
    ts: int = Field(examples=[1704099600000], description="The close of the step decided at.")
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    signal: str = Field(
        examples=["buy_to_enter"], description="buy_to_enter, sell_to_enter, close or hold."
    )
    target: float | None = Field(
        examples=[1.0], description="The strategy's target position in [-1, 1] (1: all in long)."
    )
    quantity: float | None = Field(examples=[None], description="Size in base units, if given.")
    notional: float | None = Field(examples=[4950.0], description="Size in USDT, if given.")
    leverage: float = Field(examples=[1.0])
    stop_loss: float | None = Field(examples=[None], description="Stop-loss price, if given.")
    take_profit: float | None = Field(examples=[None], description="Take-profit price.")
    stop_loss_fraction: float | None = Field(
        examples=[0.05], description="Stop-loss distance from the entry's fill price."
    )
    take_profit_fraction: float | None = Field(
        examples=[None], description="Take-profit distance from the entry's fill price."
    )
    reason: str = Field(examples=["ema_trend: EMA 12 crossed above EMA 26"])


class BacktestPosition(BaseModel):
    """A position as the fills at ``ts`` left it, with its exit plan (quantity 0: closed)."""

    seq: int = Field(examples=[0])
    ts: int = Field(examples=[1704099600000], description="When the fills that changed it ran.")
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    quantity: float = Field(examples=[0.117], description="Signed: long > 0, short < 0.")
    entry_price: float | None = Field(examples=[42150.5], description="Null once closed.")
    margin: float = Field(examples=[4931.6])
    leverage: float | None = Field(examples=[1.0])
    stop_loss: float | None = Field(examples=[40042.9])
    take_profit: float | None = Field(examples=[None])
    ts_opened: int | None = Field(examples=[1704099600000])
    tag: str = Field(
        examples=["entry"],
        description="What changed it: entry, close, stop_loss, take_profit or liquidation.",
    )


class BacktestRiskEvent(BaseModel):
    """An action the risk checks denied (level deny) or approved after clamping it (warn)."""

    seq: int = Field(examples=[0])
    ts: int = Field(examples=[1704099600000])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    signal: str = Field(examples=["buy_to_enter"])
    level: str = Field(examples=["deny"], description="info, warn or deny.")
    rule: str = Field(examples=["min_notional"], description="The rule that denied it.")
    reason: str = Field(examples=["size 0.001 is below the instrument minimum"])
    adjustments: list[str] = Field(examples=[[]], description="What was clamped (a warn's reason).")


class BacktestComparison(BaseModel):
    ids: list[int] = Field(examples=[[7, 9]], description="The runs, in the order asked.")
    runs: list[BacktestDetail] = Field(description="Each run's configuration and metrics.")
    metrics: dict[str, list[MetricValue]] = Field(
        examples=[{"total_return": [0.0412, -0.013], "sharpe": [1.42, -0.3]}],
        description="Each metric's value per run, in the order of `ids` (null where missing).",
    )


def _overview(run: BacktestSummary) -> dict[str, Any]:
    return {
        "id": run.id, "strategy": run.strategy, "symbols": run.symbols,
        "timeframe": run.timeframe, "start": to_iso(run.ts_start), "end": to_iso(run.ts_end),
        "bars": run.bars, "created": to_iso(run.ts_created), "metrics": run.metrics,
        "denials": run.denials,
    }  # fmt: skip


def _detail(run: BacktestSummary) -> BacktestDetail:
    return BacktestDetail(**_overview(run), config=run.config)


@router.post(
    "",
    response_model=BacktestDetail,
    status_code=201,
    summary="Run a backtest on the stored data and store it",
    responses=WRITE_RESPONSES,
    dependencies=[Depends(require_writer)],
)
def create_backtest(
    body: BacktestRequest, context: Annotated[AppContext, Depends(context_of)]
) -> BacktestDetail:
    config = backtests.build_config(
        body.strategy, body.symbol_list(), body.timeframe, body.start, body.end,
        capital=body.capital, fee_rate=body.fee_rate, slippage_bps=body.slippage_bps,
        leverage=body.leverage,
        params={name: param_text(value) for name, value in body.params.items()},
        exchange=body.exchange, stop_loss=body.stop_loss, take_profit=body.take_profit,
        margin_mode=body.margin_mode, position_mode=body.position_mode,
    )  # fmt: skip
    layers = profiles.option_layers(body.risk_preset, body.risk_config)
    config = profiles.with_backtest_profile(context.settings, config, layers)
    window_bars(config)
    run_id = backtests.run_stored(context, config)
    return _detail(BacktestStore(context.engine).get(run_id))


def window_bars(config: BacktestConfig) -> int:
    """The bars ``config``'s window spans; InvalidInputError past MAX_WINDOW_BARS."""
    bars = (config.ts_end - config.ts_start) // timeframe_ms(config.timeframe)
    if bars > MAX_WINDOW_BARS:
        raise InvalidInputError(
            f"the window spans {bars:,} {config.timeframe} bars; at most {MAX_WINDOW_BARS:,}"
        )
    return bars


def param_text(value: bool | int | float | str) -> str:
    """A parameter as the CLI's ``NAME=VALUE`` would give it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@router.get("", response_model=Page[BacktestOverview], summary="Stored backtests, newest first")
def list_backtests(
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
    strategy: Annotated[
        str | None, Query(max_length=64, description="Only this strategy's runs.")
    ] = None,
    symbol: Annotated[
        str | None, Query(max_length=64, description="Only runs trading this symbol.")
    ] = None,
) -> Page[BacktestOverview]:
    runs = backtests.stored(context, strategy, symbol)
    return page([BacktestOverview(**_overview(run)) for run in runs], at)


@router.get(
    "/compare",
    response_model=BacktestComparison,
    summary="Two or three stored backtests side by side",
)
def compare_backtests(
    context: Annotated[AppContext, Depends(context_of)],
    ids: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            examples=["7,9"],
            json_schema_extra={"pattern": _IDS_PATTERN},
            description=f"2 to {MAX_COMPARED} backtest ids, comma-separated.",
        ),
    ],
) -> BacktestComparison:
    wanted = _ids(ids)
    store = BacktestStore(context.engine)
    runs = [_detail(_stored(store, run_id)) for run_id in wanted]
    names: dict[str, None] = {}
    for run in runs:
        names.update(dict.fromkeys(run.metrics))
    metrics = {name: [run.metrics.get(name) for run in runs] for name in names}
    return BacktestComparison(ids=wanted, runs=runs, metrics=metrics)


def _ids(text: str) -> list[int]:
    """The ids of ``7,9``; InvalidInputError for anything but 2 to MAX_COMPARED of them."""
    parts = [part.strip(" ") for part in text.split(",")]  # exactly what the pattern allows
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise InvalidInputError(f"ids {text!r}: give backtest ids separated by commas, e.g. 7,9")
    if not 2 <= len(parts) <= MAX_COMPARED:
        raise InvalidInputError(f"compare 2 to {MAX_COMPARED} backtests, got {len(parts)}")
    return [int(part) for part in parts]


def _stored(store: BacktestStore, run_id: int) -> BacktestSummary:
    if not 1 <= run_id <= MAX_ID:  # no such id can exist (nor be looked up)
        raise NotFoundError(f"no backtest {run_id} (see GET /api/v1/backtests)")
    return store.get(run_id)


@router.get(
    "/{id}", response_model=BacktestDetail, summary="A backtest's configuration and metrics"
)
def get_backtest(
    run_id: RunId, context: Annotated[AppContext, Depends(context_of)]
) -> BacktestDetail:
    return _detail(BacktestStore(context.engine).get(run_id))


@router.get("/{id}/equity", response_model=EquityCurve, summary="A backtest's equity curve")
def get_equity(
    run_id: RunId,
    context: Annotated[AppContext, Depends(context_of)],
    points: Annotated[
        int | None,
        Query(
            ge=2,
            le=MAX_WINDOW_BARS,
            description="At most this many points: every k-th, the first and the last kept "
            "(default: all).",
        ),
    ] = None,
) -> EquityCurve:
    rows = backtests.table(context, run_id, "equity")
    step = _step(len(rows), points)
    chosen = rows[::step]
    if rows and chosen[-1] is not rows[-1]:
        chosen.append(rows[-1])
    return EquityCurve(
        id=run_id, total=len(rows), step=step, items=[EquityPoint(**row) for row in chosen]
    )


def _step(total: int, points: int | None) -> int:
    """The k for which every k-th of ``total`` rows plus the last are at most ``points``."""
    if points is None or total <= points:
        return 1
    return math.ceil((total - 1) / (points - 1))


@router.get("/{id}/trades", response_model=Page[BacktestTrade], summary="A backtest's trades")
def get_trades(
    run_id: RunId,
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
) -> Page[BacktestTrade]:
    rows = backtests.table(context, run_id, "trades")
    return page([BacktestTrade(**row) for row in rows], at)


@router.get(
    "/{id}/orders",
    response_model=Page[BacktestOrder],
    summary="A backtest's orders in their final state",
)
def get_orders(
    run_id: RunId,
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
) -> Page[BacktestOrder]:
    rows = backtests.table(context, run_id, "orders")
    return page([BacktestOrder(**row) for row in rows], at)


@router.get(
    "/{id}/decisions",
    response_model=Page[BacktestDecision],
    summary="A backtest's decisions, an action per row, where the strategy's target changed",
)
def get_decisions(
    run_id: RunId,
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
) -> Page[BacktestDecision]:
    rows = backtests.table(context, run_id, "decisions")
    return page([BacktestDecision(**row) for row in rows], at)


@router.get(
    "/{id}/positions",
    response_model=Page[BacktestPosition],
    summary="A backtest's positions, a row each time fills changed one, with stop and target",
)
def get_positions(
    run_id: RunId,
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
) -> Page[BacktestPosition]:
    rows = backtests.table(context, run_id, "positions")
    return page([BacktestPosition(**row) for row in rows], at)


@router.get(
    "/{id}/risk-events",
    response_model=Page[BacktestRiskEvent],
    summary="Actions of a backtest the risk checks denied or adjusted, with rule and level",
)
def get_risk_events(
    run_id: RunId,
    context: Annotated[AppContext, Depends(context_of)],
    at: Annotated[Window, Depends(window)],
) -> Page[BacktestRiskEvent]:
    rows = backtests.table(context, run_id, "risk_events")
    return page(
        [BacktestRiskEvent(**{**row, "adjustments": json.loads(row["adjustments"])})
         for row in rows],
        at,
    )  # fmt: skip


@router.get(
    "/{id}/export/{table}.csv",
    summary="Download a backtest's table (equity, trades, orders, decisions, positions, "
    "risk_events) as CSV",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "The table as CSV: a header row of column names, then one line per "
            "row (an empty body when the table has no rows).",
        }
    },
)
def export_table(
    run_id: RunId,
    table: Annotated[backtests.Table, Path(description="Which table.")],
    context: Annotated[AppContext, Depends(context_of)],
) -> Response:
    text = csv_text(backtests.table(context, run_id, table))
    disposition = f'attachment; filename="backtest-{run_id}-{table}.csv"'
    return Response(text, media_type="text/csv", headers={"Content-Disposition": disposition})
