"""Table definitions (SQLAlchemy 2 typed mappings). Rows are not domain objects: repositories
translate between the two.

Market-data prices are float64 (they arrive from exchanges as floats and feed numpy directly);
instrument precision and fees use NUMERIC so that ticks such as 0.1 are stored exactly.

The bulk market-data tables carry no foreign key to ``instruments``: a per-row foreign-key check
cut PostgreSQL COPY throughput from ~275k to ~100k rows/s. The repository resolves every
instrument id before writing, so no orphan rows can be created through it
(docs/decisions/0001-market-data-storage.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Precision of instrument specs: 18 digits after the point covers every exchange tick we know.
Spec = Numeric(38, 18, asdecimal=False)


class LongText(TypeDecorator[str]):
    """TEXT; LONGTEXT on MySQL, whose TEXT holds 64 KB at most (less than a prompt may).

    The migrations create the same (``migrations/mysql.py``). A decorator rather than a
    ``with_variant``, so that only a MySQL database loads SQLAlchemy's MySQL dialect."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import LONGTEXT

            return dialect.type_descriptor(LONGTEXT())
        return super().load_dialect_impl(dialect)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class InstrumentRow(Base):
    __tablename__ = "instruments"
    __table_args__ = (UniqueConstraint("exchange", "symbol"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exchange: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(64))
    market_type: Mapped[str] = mapped_column(String(16))
    base: Mapped[str] = mapped_column(String(32))
    quote: Mapped[str] = mapped_column(String(32))
    settle: Mapped[str | None] = mapped_column(String(32))
    price_tick: Mapped[float] = mapped_column(Spec)
    amount_step: Mapped[float] = mapped_column(Spec)
    min_amount: Mapped[float] = mapped_column(Spec)
    min_notional: Mapped[float] = mapped_column(Spec)
    max_leverage: Mapped[float] = mapped_column(Spec)
    maker_fee: Mapped[float] = mapped_column(Spec)
    taker_fee: Mapped[float] = mapped_column(Spec)
    maintenance_margin_rate: Mapped[float] = mapped_column(Spec)
    contract_size: Mapped[float] = mapped_column(Spec)
    ts_updated: Mapped[int] = mapped_column(BigInteger)


class CandleRow(Base):
    """One OHLCV bar; unique per (instrument, timeframe, open time)."""

    __tablename__ = "candles"
    __table_args__ = {
        "sqlite_with_rowid": False
    }  # clustered on the key: range reads are sequential

    instrument_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timeframe: Mapped[str] = mapped_column(String(8), primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    open: Mapped[float] = mapped_column(Double)
    high: Mapped[float] = mapped_column(Double)
    low: Mapped[float] = mapped_column(Double)
    close: Mapped[float] = mapped_column(Double)
    volume: Mapped[float] = mapped_column(Double)


class FundingRateRow(Base):
    __tablename__ = "funding_rates"
    __table_args__ = {"sqlite_with_rowid": False}

    instrument_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    rate: Mapped[float] = mapped_column(Double)
    # The settlement after this one: the next stored row's time, or for the newest one the
    # time the exchange announced; NULL while neither is known.
    ts_next: Mapped[int | None] = mapped_column(BigInteger)


class PriceSnapshotRow(Base):
    __tablename__ = "price_snapshots"
    __table_args__ = {"sqlite_with_rowid": False}

    instrument_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    last: Mapped[float | None] = mapped_column(Double)
    mark: Mapped[float | None] = mapped_column(Double)
    index: Mapped[float | None] = mapped_column(Double)
    bid: Mapped[float | None] = mapped_column(Double)
    ask: Mapped[float | None] = mapped_column(Double)


class OpenInterestRow(Base):
    __tablename__ = "open_interest"
    __table_args__ = {"sqlite_with_rowid": False}

    instrument_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    amount: Mapped[float | None] = mapped_column(Double)
    value: Mapped[float | None] = mapped_column(Double)


class OpenInterestHistoryRow(Base):
    """Open interest sampled once per ``period`` by the exchange, stamped when measured."""

    __tablename__ = "open_interest_history"
    __table_args__ = {"sqlite_with_rowid": False}

    instrument_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    amount: Mapped[float | None] = mapped_column(Double)  # base currency
    value: Mapped[float | None] = mapped_column(Double)  # quote currency


class LongShortRatioRow(Base):
    """Accounts long against accounts short, once per ``period``; shares NULL where the
    exchange publishes the ratio only."""

    __tablename__ = "long_short_ratios"
    __table_args__ = {"sqlite_with_rowid": False}

    instrument_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ratio: Mapped[float] = mapped_column(Double)
    long_share: Mapped[float | None] = mapped_column(Double)
    short_share: Mapped[float | None] = mapped_column(Double)


class IngestionRunRow(Base):
    """One ingestion (sample load or exchange download) and how it ended."""

    __tablename__ = "ingestion_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))  # "sample" or an exchange id
    symbols: Mapped[str] = mapped_column(LongText)
    timeframes: Mapped[str] = mapped_column(LongText)
    ts_since: Mapped[int | None] = mapped_column(BigInteger)
    backfill: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # running, succeeded, failed
    ts_started: Mapped[int] = mapped_column(BigInteger)
    ts_finished: Mapped[int | None] = mapped_column(BigInteger)
    rows_candles: Mapped[int] = mapped_column(Integer, default=0)
    rows_funding: Mapped[int] = mapped_column(Integer, default=0)
    rows_prices: Mapped[int] = mapped_column(Integer, default=0)
    rows_open_interest: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(LongText)


class IntegrityEventRow(Base):
    """A problem found by a scan; stays open until a later scan no longer finds it."""

    __tablename__ = "integrity_events"
    __table_args__ = (
        UniqueConstraint("instrument_id", "dataset", "timeframe", "kind", "ts_start"),
        Index(None, "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"))
    dataset: Mapped[str] = mapped_column(String(16))  # candles or funding
    timeframe: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(24))
    ts_start: Mapped[int] = mapped_column(BigInteger)
    ts_end: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(LongText, default="")
    status: Mapped[str] = mapped_column(String(16))  # open, resolved, confirmed
    ts_detected: Mapped[int] = mapped_column(BigInteger)
    ts_resolved: Mapped[int | None] = mapped_column(BigInteger)


class RepairJobRow(Base):
    """An attempt to refetch a gap from its source, and its outcome."""

    __tablename__ = "repair_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integrity_event_id: Mapped[int] = mapped_column(
        ForeignKey("integrity_events.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # running, repaired, unrepairable, failed
    rows_fetched: Mapped[int] = mapped_column(Integer, default=0)
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(LongText)
    ts_started: Mapped[int] = mapped_column(BigInteger)
    ts_finished: Mapped[int | None] = mapped_column(BigInteger)


# -- backtests ---------------------------------------------------------------------------------

Money = Numeric(38, 12, asdecimal=False)


class BacktestRunRow(Base):
    """One stored backtest: its configuration and metrics as JSON, its series in child tables."""

    __tablename__ = "backtest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strategy: Mapped[str] = mapped_column(String(64))
    symbols: Mapped[str] = mapped_column(LongText)
    timeframe: Mapped[str] = mapped_column(String(8))
    ts_start: Mapped[int] = mapped_column(BigInteger)
    ts_end: Mapped[int] = mapped_column(BigInteger)
    bars: Mapped[int] = mapped_column(Integer)
    config: Mapped[str] = mapped_column(LongText)  # JSON
    metrics: Mapped[str] = mapped_column(LongText)  # JSON
    ts_created: Mapped[int] = mapped_column(BigInteger)
    denials: Mapped[str] = mapped_column(LongText, server_default="{}")  # JSON: risk rule -> count


class BacktestEquityRow(Base):
    __tablename__ = "backtest_equity"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("backtest_runs.id", ondelete="CASCADE"), primary_key=True
    )
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    equity: Mapped[float] = mapped_column(Money)
    cash: Mapped[float] = mapped_column(Money)
    exposure: Mapped[float] = mapped_column(Double)


class BacktestTradeRow(Base):
    __tablename__ = "backtest_trades"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("backtest_runs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[float] = mapped_column(Money)
    entry_price: Mapped[float] = mapped_column(Money)
    exit_price: Mapped[float] = mapped_column(Money)
    ts_entry: Mapped[int] = mapped_column(BigInteger)
    ts_exit: Mapped[int] = mapped_column(BigInteger)
    pnl: Mapped[float] = mapped_column(Money)
    fees: Mapped[float] = mapped_column(Money)
    funding: Mapped[float] = mapped_column(Money)
    exit_reason: Mapped[str] = mapped_column(String(32))


class BacktestOrderRow(Base):
    """An order of a backtest in its final state."""

    __tablename__ = "backtest_orders"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("backtest_runs.id", ondelete="CASCADE"), primary_key=True
    )
    client_order_id: Mapped[str] = mapped_column(String(96), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[float] = mapped_column(Money)
    price: Mapped[float | None] = mapped_column(Money)
    trigger_price: Mapped[float | None] = mapped_column(Money)
    reduce_only: Mapped[bool] = mapped_column(Boolean)
    leverage: Mapped[float] = mapped_column(Money)
    tag: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))
    filled_quantity: Mapped[float] = mapped_column(Money)
    average_price: Mapped[float] = mapped_column(Money)
    fee: Mapped[float] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(LongText)
    ts_created: Mapped[int] = mapped_column(BigInteger)
    ts_updated: Mapped[int] = mapped_column(BigInteger)


class BacktestDecisionRow(Base):
    """One action of a backtest's decision (stored only where the strategy's target changed:
    a strategy decides nothing on the other steps)."""

    __tablename__ = "backtest_decisions"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("backtest_runs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger)  # the close of the step decided at
    symbol: Mapped[str] = mapped_column(String(64))
    signal: Mapped[str] = mapped_column(String(16))
    target: Mapped[float | None] = mapped_column(Double)  # the strategy's target in [-1, 1]
    quantity: Mapped[float | None] = mapped_column(Double)
    notional: Mapped[float | None] = mapped_column(Double)
    leverage: Mapped[float] = mapped_column(Double)
    stop_loss: Mapped[float | None] = mapped_column(Double)
    take_profit: Mapped[float | None] = mapped_column(Double)
    stop_loss_fraction: Mapped[float | None] = mapped_column(Double)
    take_profit_fraction: Mapped[float | None] = mapped_column(Double)
    reason: Mapped[str] = mapped_column(LongText)


class BacktestPositionRow(Base):
    """A backtest's position in ``symbol`` as the fills at ``ts`` left it, with its exit plan:
    one row per change, quantity 0 (and no price) once closed."""

    __tablename__ = "backtest_positions"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("backtest_runs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger)
    symbol: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Double)  # signed: long > 0, short < 0
    entry_price: Mapped[float | None] = mapped_column(Double)
    margin: Mapped[float] = mapped_column(Double)
    leverage: Mapped[float | None] = mapped_column(Double)
    stop_loss: Mapped[float | None] = mapped_column(Double)
    take_profit: Mapped[float | None] = mapped_column(Double)
    ts_opened: Mapped[int | None] = mapped_column(BigInteger)
    tag: Mapped[str] = mapped_column(String(32))  # the last fill's: entry, close, stop_loss...


class BacktestRiskEventRow(Base):
    """An action of a backtest the risk checks denied or adjusted."""

    __tablename__ = "backtest_risk_events"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("backtest_runs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger)
    symbol: Mapped[str] = mapped_column(String(64))
    signal: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(8))  # RiskLevel
    rule: Mapped[str] = mapped_column(String(32))  # RiskRule; "" if approved
    reason: Mapped[str] = mapped_column(LongText)
    adjustments: Mapped[str] = mapped_column(LongText)  # JSON list


# -- agents and their LLM calls ----------------------------------------------------------------


class AgentRow(Base):
    """A registered participant: a strategy, a baseline, an LLM trader, a selector, a portfolio."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    config: Mapped[str] = mapped_column(LongText)  # JSON; never holds an API key, only its env var
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    ts_created: Mapped[int] = mapped_column(BigInteger)
    ts_updated: Mapped[int] = mapped_column(BigInteger)


class PromptVersionRow(Base):
    """An immutable version of a prompt template; calls record which version they used."""

    __tablename__ = "prompt_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    template: Mapped[str] = mapped_column(LongText)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(LongText, default="")
    ts_created: Mapped[int] = mapped_column(BigInteger)


class ModelVersionRow(Base):
    """A concrete model version as a provider's answers named it (``gpt-4o-2024-08-06`` for
    ``gpt-4o``), first seen at ``ts_first_seen`` at the price then in effect (USD per million
    tokens; None: unknown). Every answered call links to one, so results stay comparable when
    a provider silently updates a model."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("provider", "model", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))  # the model asked for
    version: Mapped[str] = mapped_column(String(128))  # the model the answer named
    ts_first_seen: Mapped[int] = mapped_column(BigInteger)
    input_usd_per_mtok: Mapped[float | None] = mapped_column(Double)
    output_usd_per_mtok: Mapped[float | None] = mapped_column(Double)


class LlmCallRow(Base):
    """One request to a language model and everything that came of it."""

    __tablename__ = "llm_calls"
    __table_args__ = (Index(None, "agent_id", "ts"), Index(None, "request_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    prompt_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("prompt_versions.id", ondelete="SET NULL")
    )
    ts: Mapped[int] = mapped_column(BigInteger)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    parameters: Mapped[str] = mapped_column(LongText)  # JSON: temperature, max_tokens, json mode
    request_hash: Mapped[str] = mapped_column(String(64))
    request: Mapped[str] = mapped_column(LongText)  # JSON messages
    raw_response: Mapped[str | None] = mapped_column(LongText)
    parsed_decision: Mapped[str | None] = mapped_column(LongText)  # JSON, when parsing succeeded
    error: Mapped[str | None] = mapped_column(LongText)  # parse or transport error, one line
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float] = mapped_column(Double, default=0.0)
    cost_usd: Mapped[float | None] = mapped_column(Money)  # None: the model's price is unknown
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    reasoning: Mapped[str | None] = mapped_column(LongText)  # a separate reasoning channel, if any
    model_version_id: Mapped[int | None] = mapped_column(  # None: no model answered
        ForeignKey("model_versions.id"), index=True
    )


class LlmCacheRow(Base):
    """Responses by request hash: a replay with the cache reproduces decisions at no cost."""

    __tablename__ = "llm_cache"

    request_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    response: Mapped[str] = mapped_column(LongText)  # JSON: text, reasoning, tokens, raw
    ts_created: Mapped[int] = mapped_column(BigInteger)


# -- seasons -----------------------------------------------------------------------------------


class SeasonRow(Base):
    """A competition: its configuration as JSON, its lifecycle status, and how many ticks the
    runner has committed (the resume point after a crash)."""

    __tablename__ = "seasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    timeframe: Mapped[str] = mapped_column(String(8))
    ts_start: Mapped[int] = mapped_column(BigInteger)
    ts_end: Mapped[int] = mapped_column(BigInteger)
    config: Mapped[str] = mapped_column(LongText)  # JSON
    ticks_done: Mapped[int] = mapped_column(Integer, default=0)
    ts_last_tick: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(LongText, default="")  # why it last stopped, one line
    ts_created: Mapped[int] = mapped_column(BigInteger)
    ts_updated: Mapped[int] = mapped_column(BigInteger)
    # The one runner allowed to commit ticks: a lease renewed while it runs (see SeasonStore).
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_host: Mapped[str | None] = mapped_column(String(128))
    lease_pid: Mapped[int | None] = mapped_column(Integer)
    lease_since: Mapped[int | None] = mapped_column(BigInteger)
    lease_expires: Mapped[int | None] = mapped_column(BigInteger)


class SeasonEntryRow(Base):
    """A participant's isolated account in one season, with its agent configuration pinned
    at creation (editing the agent later does not change a season)."""

    __tablename__ = "season_entries"
    __table_args__ = (UniqueConstraint("season_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    config: Mapped[str] = mapped_column(LongText)  # JSON, pinned
    fingerprint: Mapped[str] = mapped_column(String(16))
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    equity: Mapped[float] = mapped_column(Double)  # as of the last committed tick
    cash: Mapped[float] = mapped_column(Double)
    ts_eliminated: Mapped[int | None] = mapped_column(BigInteger)


def _entry_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("season_entries.id", ondelete="CASCADE"), primary_key=True)


class SeasonEquityRow(Base):
    __tablename__ = "season_equity"

    entry_id: Mapped[int] = _entry_fk()
    tick: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger)
    equity: Mapped[float] = mapped_column(Double)
    cash: Mapped[float] = mapped_column(Double)
    exposure: Mapped[float] = mapped_column(Double)


class SeasonDecisionRow(Base):
    __tablename__ = "season_decisions"

    entry_id: Mapped[int] = _entry_fk()
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    tick: Mapped[int] = mapped_column(Integer)
    ts: Mapped[int] = mapped_column(BigInteger)
    actions: Mapped[str] = mapped_column(LongText)  # JSON
    reasoning: Mapped[str] = mapped_column(LongText)
    latency_ms: Mapped[float] = mapped_column(Double)
    outcome: Mapped[str] = mapped_column(String(16), server_default="valid")  # DecisionOutcome


class SeasonOrderRow(Base):
    """An order as submitted; its lifecycle is in ``season_order_events``."""

    __tablename__ = "season_orders"

    entry_id: Mapped[int] = _entry_fk()
    client_order_id: Mapped[str] = mapped_column(String(96), primary_key=True)
    tick: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[float] = mapped_column(Double)
    price: Mapped[float | None] = mapped_column(Double)
    trigger_price: Mapped[float | None] = mapped_column(Double)
    reduce_only: Mapped[bool] = mapped_column(Boolean)
    leverage: Mapped[float] = mapped_column(Double)
    tag: Mapped[str] = mapped_column(String(32))
    ts_created: Mapped[int] = mapped_column(BigInteger)


class SeasonOrderEventRow(Base):
    __tablename__ = "season_order_events"

    entry_id: Mapped[int] = _entry_fk()
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    tick: Mapped[int] = mapped_column(Integer)
    client_order_id: Mapped[str] = mapped_column(String(96))
    ts: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(16))
    status_from: Mapped[str] = mapped_column(String(24))
    status_to: Mapped[str] = mapped_column(String(24))
    quantity: Mapped[float] = mapped_column(Double)
    price: Mapped[float] = mapped_column(Double)
    reason: Mapped[str] = mapped_column(LongText)


class SeasonFillRow(Base):
    __tablename__ = "season_fills"

    entry_id: Mapped[int] = _entry_fk()
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    tick: Mapped[int] = mapped_column(Integer)
    client_order_id: Mapped[str] = mapped_column(String(96))
    symbol: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[float] = mapped_column(Double)
    price: Mapped[float] = mapped_column(Double)
    fee: Mapped[float] = mapped_column(Double)
    liquidity: Mapped[str] = mapped_column(String(8))
    ts: Mapped[int] = mapped_column(BigInteger)
    realized_pnl: Mapped[float] = mapped_column(Double)
    tag: Mapped[str] = mapped_column(String(32))


class SeasonFundingRow(Base):
    """A funding settlement of an open position; ``amount`` > 0 means received."""

    __tablename__ = "season_funding"

    entry_id: Mapped[int] = _entry_fk()
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    tick: Mapped[int] = mapped_column(Integer)
    ts: Mapped[int] = mapped_column(BigInteger)
    symbol: Mapped[str] = mapped_column(String(64))
    amount: Mapped[float] = mapped_column(Double)


class SeasonRiskEventRow(Base):
    """An action the risk checks denied or adjusted."""

    __tablename__ = "season_risk_events"

    entry_id: Mapped[int] = _entry_fk()
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    tick: Mapped[int] = mapped_column(Integer)
    ts: Mapped[int] = mapped_column(BigInteger)
    symbol: Mapped[str] = mapped_column(String(64))
    signal: Mapped[str] = mapped_column(String(16))
    approved: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(LongText)
    adjustments: Mapped[str] = mapped_column(LongText)  # JSON list
    rule: Mapped[str] = mapped_column(String(32), server_default="")  # RiskRule; "" if approved
    level: Mapped[str] = mapped_column(String(8), server_default="deny")  # RiskLevel


class SeasonLlmCallRow(Base):
    """Which season entry, at which tick, made an LLM call (the call itself is in
    ``llm_calls``, shared with one-off decisions)."""

    __tablename__ = "season_llm_calls"
    __table_args__ = (Index(None, "entry_id", "tick"),)

    call_id: Mapped[int] = mapped_column(
        ForeignKey("llm_calls.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int] = mapped_column(ForeignKey("season_entries.id", ondelete="CASCADE"))
    tick: Mapped[int] = mapped_column(Integer)


class SeasonPositionRow(Base):
    """An entry's open position as of the last committed tick, with its exit plan; the rows
    of an entry are replaced whenever its positions change (marks are applied on reading)."""

    __tablename__ = "season_positions"

    entry_id: Mapped[int] = _entry_fk()
    symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    # long or short (the quantity's sign): in hedge mode a coin holds one of each
    side: Mapped[str] = mapped_column(String(8), primary_key=True, server_default="long")
    tick: Mapped[int] = mapped_column(Integer)  # when it last changed
    quantity: Mapped[float] = mapped_column(Double)  # signed: long > 0, short < 0
    entry_price: Mapped[float] = mapped_column(Double)
    margin: Mapped[float] = mapped_column(Double)
    leverage: Mapped[float] = mapped_column(Double)
    maintenance_margin_rate: Mapped[float] = mapped_column(Double)
    ts_opened: Mapped[int] = mapped_column(BigInteger)
    take_profit: Mapped[float | None] = mapped_column(Double)
    stop_loss: Mapped[float | None] = mapped_column(Double)
    invalidation: Mapped[str] = mapped_column(LongText)


# -- exchange accounts -------------------------------------------------------------------------


class ExchangeAccountRow(Base):
    """An exchange account live seasons may trade on; its keys are stored encrypted only."""

    __tablename__ = "exchange_accounts"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    exchange: Mapped[str] = mapped_column(String(32))  # a CCXT id: okx, binanceusdm, ...
    # True: the exchange's testnet or demo trading; False (only ever set explicitly): mainnet.
    sandbox: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    ciphertext: Mapped[str] = mapped_column(LongText)  # Fernet token of the keys' JSON
    key_fingerprint: Mapped[str] = mapped_column(String(16))  # sha256(api key)[:8], to show
    ts_created: Mapped[int] = mapped_column(BigInteger)
    ts_updated: Mapped[int] = mapped_column(BigInteger)


# -- live seasons: what the exchange reported --------------------------------------------------


class BalanceSnapshotRow(Base):
    """An entry's exchange balance at a live tick, beside the ledger's equity then."""

    __tablename__ = "balance_snapshots"

    entry_id: Mapped[int] = _entry_fk()
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    total: Mapped[float] = mapped_column(Double)
    free: Mapped[float] = mapped_column(Double)
    ledger_equity: Mapped[float] = mapped_column(Double)


class PositionSnapshotRow(Base):
    """A position the exchange reported for an entry's account at a live tick."""

    __tablename__ = "position_snapshots"

    entry_id: Mapped[int] = _entry_fk()
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(64), primary_key=True)
    quantity: Mapped[float] = mapped_column(Double)  # signed base units
    entry_price: Mapped[float] = mapped_column(Double)
    leverage: Mapped[float] = mapped_column(Double)


class ReconciliationEventRow(Base):
    """A difference between an entry's ledger and its exchange account, when first seen."""

    __tablename__ = "reconciliation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("season_entries.id", ondelete="CASCADE"), index=True
    )
    ts: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    symbol: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(LongText)


# -- parameter sweeps --------------------------------------------------------------------------


class SweepRow(Base):
    """One stored sweep: the base configuration and grid as JSON, how it ran, its best run."""

    __tablename__ = "sweeps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strategy: Mapped[str] = mapped_column(String(64))
    symbols: Mapped[str] = mapped_column(LongText)
    timeframe: Mapped[str] = mapped_column(String(8))
    exchange: Mapped[str] = mapped_column(String(32))
    ts_start: Mapped[int] = mapped_column(BigInteger)
    ts_end: Mapped[int] = mapped_column(BigInteger)
    config: Mapped[str] = mapped_column(LongText)  # JSON: the base configuration
    grid: Mapped[str] = mapped_column(LongText)  # JSON: parameter -> values, in the order tried
    rank_by: Mapped[str] = mapped_column(String(32))
    combinations: Mapped[int] = mapped_column(Integer)  # in the grid, the skipped included
    skipped: Mapped[str] = mapped_column(LongText)  # JSON: [{"params", "reason"}]
    mode: Mapped[str] = mapped_column(String(16))  # local or workers
    workers: Mapped[int | None] = mapped_column(Integer)  # workers that ran chunks
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    best_backtest_id: Mapped[int | None] = mapped_column(
        ForeignKey("backtest_runs.id", ondelete="SET NULL")
    )
    ts_created: Mapped[int] = mapped_column(BigInteger)
    overfitting: Mapped[str | None] = mapped_column(LongText)  # JSON: the sweep's CSCV result


class SweepPointRow(Base):
    """A combination of a stored sweep, by rank (1 is the best)."""

    __tablename__ = "sweep_points"

    sweep_id: Mapped[int] = mapped_column(
        ForeignKey("sweeps.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    params: Mapped[str] = mapped_column(LongText)  # JSON: every parameter given, by name
    metrics: Mapped[str] = mapped_column(LongText)  # JSON: every metric, by name


# -- season series and remote agents -----------------------------------------------------------


class SeasonSeriesRow(Base):
    """One lineup over K windows: consecutive, random, or the same window repeated."""

    __tablename__ = "season_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # consecutive, random or repeat
    config: Mapped[str] = mapped_column(LongText)  # JSON: the series' configuration
    ts_created: Mapped[int] = mapped_column(BigInteger)


class SeasonSeriesWindowRow(Base):
    """A window of a series and the season that runs it."""

    __tablename__ = "season_series_windows"
    __table_args__ = (UniqueConstraint("season_id"),)

    series_id: Mapped[int] = mapped_column(
        ForeignKey("season_series.id", ondelete="CASCADE"), primary_key=True
    )
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"))


class AgentSecretRow(Base):
    """A remote agent's HMAC secret, stored only as a Fernet token (``ARENA_SECRET_KEY``)."""

    __tablename__ = "agent_secrets"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(LongText)
    ts_created: Mapped[int] = mapped_column(BigInteger)


class ApiAuditRow(Base):
    """One write through the HTTP API, refused ones included: who (a fingerprint of the bearer
    token, never the token), what, when and how it ended."""

    __tablename__ = "api_audit_log"
    __table_args__ = (Index(None, "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str | None] = mapped_column(String(16))  # token fingerprint; null: no token
    client: Mapped[str | None] = mapped_column(String(64))  # the client's address
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    status: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(32))  # "ok" or the error body's code
    entity: Mapped[str | None] = mapped_column(String(160))  # e.g. "agents/alpha", "seasons/3"
    duration_ms: Mapped[int] = mapped_column(Integer)
