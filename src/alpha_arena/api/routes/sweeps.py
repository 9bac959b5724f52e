"""Parameter sweeps: one strategy over a grid of parameters, ranked by a metric, through the
same service as ``arena backtest sweep`` (nothing is stored; run a chosen point as a backtest)."""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FiniteFloat,
    JsonValue,
    StrictBool,
    StringConstraints,
)

from alpha_arena.analytics.metrics import Metrics
from alpha_arena.api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from alpha_arena.api.routes.backtests import (
    MAX_PARAMS,
    STRATEGY_CHOICES,
    TIMEFRAME_CHOICES,
    MarginModeName,
    MetricValue,
    ParamName,
    ParamValue,
    PositionModeName,
    Symbol,
    margin_mode_field,
    param_text,
    position_mode_field,
    window_bars,
)
from alpha_arena.api.security import require_reader, require_writer
from alpha_arena.api.state import context_of
from alpha_arena.backtest.sweep import parse_grid
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import to_iso
from alpha_arena.services import backtests, profiles
from alpha_arena.services.context import AppContext

router = APIRouter(prefix="/backtests", tags=["backtests"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_reader)])  # fmt: skip

#: The most combinations one request may run (the CLI allows far more: it has no caller
#: waiting on an HTTP answer).
MAX_COMBINATIONS = 200
#: The most bars a request may simulate in all (combinations x bars of the window): bounds a
#: sweep's time at some seconds, whatever mix of grid and window it asks for.
MAX_SIMULATED_BARS = 2_000_000
MAX_AXES = 4
MAX_AXIS_VALUES = 50
#: The metrics a sweep may rank by (not the curve's bookkeeping: its span and first value).
RANKABLE: list[JsonValue] = [
    field.name
    for field in fields(Metrics)
    if field.name not in ("bars", "ts_start", "ts_end", "start_equity", "periods_per_year")
]

GridNumber = Annotated[int, Field(ge=-(10**12), le=10**12)] | FiniteFloat
#: A parameter's name: the CLI's ``NAME=VALUES`` must read it back whole.
GridName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]


class GridRange(BaseModel):
    """Every value from ``start`` to ``stop`` (inclusive) in steps of ``step``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    start: GridNumber = Field(examples=[5])
    stop: GridNumber = Field(examples=[20])
    step: GridNumber = Field(gt=0, examples=[5])


class GridList(BaseModel):
    """These values, in this order."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    values: list[StrictBool | GridNumber] = Field(
        min_length=1, max_length=MAX_AXIS_VALUES, examples=[[20, 30, 40]]
    )


class SweepRequest(BaseModel):
    """A sweep to run, as ``arena backtest sweep`` takes it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)

    strategy: str = Field(
        min_length=1, max_length=64, examples=["ema_trend"],
        json_schema_extra={"enum": STRATEGY_CHOICES},
        description="A library strategy (see GET /api/v1/strategies).",
    )  # fmt: skip
    symbol: Symbol = Field(examples=["BTC/USDT:USDT"])
    timeframe: str = Field(
        default="1h", min_length=1, max_length=8, examples=["1h"],
        json_schema_extra={"enum": TIMEFRAME_CHOICES},
    )  # fmt: skip
    start: str = Field(min_length=1, max_length=40, examples=["2024-01-01"],
                       description="UTC date or time (ISO-8601).")  # fmt: skip
    end: str = Field(min_length=1, max_length=40, examples=["2024-02-01"],
                     description="UTC date or time (ISO-8601, exclusive).")  # fmt: skip
    capital: float = Field(default=10_000.0, gt=0, lt=1e12, examples=[10_000.0])
    fee_rate: float | None = Field(
        default=None, ge=0, lt=0.1, examples=[0.0005],
        description="Fee per fill as a fraction; null: the instrument's own fees.",
    )  # fmt: skip
    slippage_bps: float = Field(default=0.0, ge=0, lt=1000, examples=[2.0])
    leverage: float = Field(default=1.0, ge=1, le=125, examples=[1.0])
    stop_loss: float | None = Field(
        default=None, gt=0, lt=1, examples=[0.05],
        description="Stop-loss distance as a fraction of the entry.",
    )  # fmt: skip
    take_profit: float | None = Field(
        default=None, gt=0, lt=1, examples=[0.1],
        description="Take-profit distance as a fraction of the entry.",
    )  # fmt: skip
    margin_mode: MarginModeName = margin_mode_field()
    position_mode: PositionModeName = position_mode_field()
    params: dict[ParamName, ParamValue] = Field(
        default_factory=dict, max_length=MAX_PARAMS, examples=[{"allow_short": False}],
        description="Fixed strategy parameters; the others take their defaults.",
    )  # fmt: skip
    grid: dict[GridName, GridRange | GridList] = Field(
        min_length=1, max_length=MAX_AXES,
        examples=[{"fast": {"start": 5, "stop": 15, "step": 5}, "slow": {"values": [20, 30]}}],
        description=f"The values to try per parameter (1 to {MAX_AXES} parameters): a range "
        f"or a list. At most {MAX_COMBINATIONS} combinations in all.",
    )  # fmt: skip
    rank_by: str = Field(
        default="sharpe", min_length=1, max_length=32, examples=["sharpe"],
        json_schema_extra={"enum": RANKABLE},
        description="The metric to rank by: higher first, except drawdowns, volatility and "
        "fees (lower first); combinations without a value last.",
    )  # fmt: skip
    exchange: str = Field(
        default="binance", pattern=r"^[A-Za-z0-9_.-]{1,32}$", examples=["binance"],
        description="Whose stored data to use.",
    )  # fmt: skip
    risk_preset: str | None = Field(
        default=None, max_length=32, examples=["conservative"],
        description="Risk limits of a named preset, as for POST /backtests.",
    )  # fmt: skip
    risk_config: dict[str, dict[str, int | float | bool | str | None]] | None = Field(
        default=None, max_length=3, examples=[{"risk": {"max_position_notional": 5000.0}}],
        description="Settings over the preset and ARENA_CONFIG_FILE; its `risk` table applies.",
    )  # fmt: skip


class SweepPointOut(BaseModel):
    rank: int = Field(examples=[1], description="1 is the best.")
    params: dict[str, str] = Field(
        examples=[{"fast": "10", "slow": "20"}],
        description="Every parameter given (fixed and swept), as the CLI's NAME=VALUE.",
    )
    metrics: dict[str, MetricValue] = Field(
        examples=[{"total_return": 0.0412, "sharpe": 1.42, "max_drawdown": 0.061,
                   "deflated_sharpe": 0.83}],
        description="Every metric by name, as a stored backtest has them, and "
        "`deflated_sharpe`: the probability that the combination's true Sharpe ratio is above "
        "zero once the number of combinations tried (and its returns' skew and fat tails) is "
        "accounted for (Bailey and López de Prado, 2014); null without a Sharpe ratio.",
    )  # fmt: skip


class SweepOverfittingOut(BaseModel):
    """The probability of backtest overfitting by combinatorially symmetric cross-validation
    (Bailey, Borwein, López de Prado and Zhu, 2017)."""

    pbo: float = Field(
        ge=0, le=1, examples=[0.23],
        description="The share of in-sample/out-of-sample splits where the best in-sample "
        "combination is at or below the median out of sample.",
    )  # fmt: skip
    splits: int = Field(examples=[12870], description="Splits measured: C(blocks, blocks/2).")
    median_logit: float = Field(
        examples=[0.85],
        description="Median logit of the in-sample best's out-of-sample rank; below 0 it "
        "tends to land in the bottom half.",
    )
    blocks: int = Field(examples=[16], description="Equal blocks the window was cut into.")


class SweepSkippedOut(BaseModel):
    params: dict[str, str] = Field(examples=[{"fast": "30", "slow": "20"}])
    reason: str = Field(examples=["fast must be below slow"])


class SweepOut(BaseModel):
    strategy: str = Field(examples=["ema_trend"])
    symbol: str = Field(examples=["BTC/USDT:USDT"])
    timeframe: str = Field(examples=["1h"])
    start: str = Field(examples=["2024-01-01T00:00:00Z"])
    end: str = Field(examples=["2024-02-01T00:00:00Z"])
    rank_by: str = Field(examples=["sharpe"])
    grid: dict[str, list[str]] = Field(
        examples=[{"fast": ["5", "10", "15"], "slow": ["20", "30"]}],
        description="Each swept parameter's values, in the order tried.",
    )
    combinations: int = Field(examples=[6], description="Combinations in the grid.")
    results: list[SweepPointOut] = Field(description="The combinations run, best first.")
    skipped: list[SweepSkippedOut] = Field(
        description="Combinations the strategy refuses (e.g. fast not below slow), and why."
    )
    overfitting: SweepOverfittingOut | None = Field(
        description="The sweep's probability of backtest overfitting; null with fewer than "
        "two combinations run or fewer than 8 bars."
    )


class SweepLimits(BaseModel):
    """What one sweep request may ask for."""

    max_combinations: int = Field(examples=[MAX_COMBINATIONS])
    max_simulated_bars: int = Field(
        examples=[MAX_SIMULATED_BARS], description="Combinations x bars of the window, at most."
    )
    max_parameters: int = Field(examples=[MAX_AXES], description="Parameters swept at once.")
    max_list_values: int = Field(examples=[MAX_AXIS_VALUES], description="Values per list.")
    rank_by: list[str] = Field(
        examples=[["total_return", "sharpe", "max_drawdown"]],
        description="The metrics a sweep can rank by.",
    )


@router.get("/sweeps", response_model=SweepLimits, summary="What a sweep may ask for")
def sweep_limits() -> SweepLimits:
    return SweepLimits(
        max_combinations=MAX_COMBINATIONS, max_simulated_bars=MAX_SIMULATED_BARS,
        max_parameters=MAX_AXES, max_list_values=MAX_AXIS_VALUES,
        rank_by=[str(name) for name in RANKABLE],
    )  # fmt: skip


@router.post(
    "/sweeps",
    response_model=SweepOut,
    summary="Run a strategy over a parameter grid and rank the combinations (not stored)",
    responses=WRITE_RESPONSES,
    dependencies=[Depends(require_writer)],
)
def run_sweep(body: SweepRequest, context: Annotated[AppContext, Depends(context_of)]) -> SweepOut:
    # A plain `def`: FastAPI runs it in its thread pool, so the sweep never blocks the event
    # loop. One process (jobs=1): forking worker processes out of a threaded server is unsafe,
    # and the caps keep a request to some seconds.
    base = backtests.build_config(
        body.strategy, [body.symbol], body.timeframe, body.start, body.end,
        capital=body.capital, fee_rate=body.fee_rate, slippage_bps=body.slippage_bps,
        leverage=body.leverage,
        params={name: param_text(value) for name, value in body.params.items()},
        exchange=body.exchange, stop_loss=body.stop_loss, take_profit=body.take_profit,
        margin_mode=body.margin_mode, position_mode=body.position_mode,
    )  # fmt: skip
    layers = profiles.option_layers(body.risk_preset, body.risk_config)
    base = profiles.with_backtest_profile(context.settings, base, layers)
    grid = parse_grid([grid_spec(name, axis) for name, axis in body.grid.items()])
    check_size(grid, window_bars(base))
    result = backtests.sweep(context, base, grid, jobs=1, rank_by=body.rank_by)
    return SweepOut(
        strategy=base.strategy, symbol=body.symbol, timeframe=base.timeframe,
        start=to_iso(base.ts_start), end=to_iso(base.ts_end), rank_by=result.rank_by, grid=grid,
        combinations=math.prod(len(values) for values in grid.values()),
        results=[
            SweepPointOut(rank=rank, params=dict(point.params), metrics=point.metrics_dict())
            for rank, point in enumerate(result.points, start=1)
        ],
        skipped=[SweepSkippedOut(params=dict(params), reason=reason)
                 for params, reason in result.skipped],
        overfitting=None if result.overfitting is None
        else SweepOverfittingOut(**result.overfitting.as_dict()),
    )  # fmt: skip


def grid_spec(name: str, axis: GridRange | GridList) -> str:
    """One axis as the CLI's ``--grid`` takes it, so both read grids with the same code."""
    if isinstance(axis, GridRange):
        return f"{name}={axis.start}:{axis.stop}:{axis.step}"
    return f"{name}={','.join(param_text(value) for value in axis.values)}"


def check_size(grid: dict[str, list[str]], bars: int) -> None:
    """Refuse a grid of more than MAX_COMBINATIONS, or more than MAX_SIMULATED_BARS in all."""
    count = math.prod(len(values) for values in grid.values())
    if count > MAX_COMBINATIONS:
        sizes = " x ".join(f"{len(values)} {name}" for name, values in grid.items())
        raise InvalidInputError(
            f"the grid has {count:,} combinations ({sizes}); at most {MAX_COMBINATIONS} per "
            "request: use coarser steps, or `arena backtest sweep` for larger grids"
        )
    if count * bars > MAX_SIMULATED_BARS:
        raise InvalidInputError(
            f"the sweep would simulate {count * bars:,} bars ({count} combinations x {bars:,} "
            f"bars); at most {MAX_SIMULATED_BARS:,} per request: narrow the grid or the window"
        )
