"""Stored backtests: configuration, metrics, equity curve, trades, orders, decisions, the path
of every position and the risk checks' events."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select

from alpha_arena.core.errors import NotFoundError
from alpha_arena.domain.decisions import Decision
from alpha_arena.domain.orders import Order, OrderEvent
from alpha_arena.domain.trades import Trade
from alpha_arena.engine.ledger import PositionChange, RiskEvent
from alpha_arena.storage.database import inserted_id
from alpha_arena.storage.tables import (
    BacktestDecisionRow,
    BacktestEquityRow,
    BacktestOrderRow,
    BacktestPositionRow,
    BacktestRiskEventRow,
    BacktestRunRow,
    BacktestTradeRow,
)


@dataclass(frozen=True, slots=True)
class BacktestRecord:
    """What a run stores: the caller turns its result into this (storage knows no engine)."""

    strategy: str
    symbols: Sequence[str]
    timeframe: str
    ts_start: int
    ts_end: int
    bars: int
    config: Mapping[str, Any]
    metrics: Mapping[str, Any]
    equity_ts: Sequence[int]
    equity: Sequence[float]
    cash: Sequence[float]
    exposure: Sequence[float]
    trades: Sequence[Trade]
    orders: Mapping[str, Order]
    order_events: Sequence[OrderEvent]
    fees_by_order: Mapping[str, float]
    denials: Mapping[str, int] = field(default_factory=dict)  # risk rule -> actions denied
    decisions: Sequence[Decision] = ()
    targets: Mapping[tuple[int, str], float] = field(default_factory=dict)  # by (ts, symbol)
    positions: Sequence[PositionChange] = ()
    risk_events: Sequence[RiskEvent] = ()


@dataclass(frozen=True, slots=True)
class BacktestSummary:
    id: int
    strategy: str
    symbols: list[str]
    timeframe: str
    ts_start: int
    ts_end: int
    bars: int
    metrics: dict[str, Any]
    config: dict[str, Any]
    ts_created: int
    denials: dict[str, int] = field(default_factory=dict)  # risk rule -> actions denied


class BacktestStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(self, record: BacktestRecord, ts_created: int) -> int:
        """Store a whole run in one transaction; return its id."""
        final = _final_orders(record.orders, record.order_events)
        with self._engine.begin() as connection:
            run_id = inserted_id(
                connection.execute(
                    insert(BacktestRunRow).values(
                        strategy=record.strategy,
                        symbols=",".join(record.symbols),
                        timeframe=record.timeframe,
                        ts_start=record.ts_start,
                        ts_end=record.ts_end,
                        bars=record.bars,
                        config=json.dumps(record.config, sort_keys=True),
                        metrics=json.dumps(record.metrics, sort_keys=True),
                        ts_created=ts_created,
                        denials=json.dumps(dict(record.denials)),
                    )
                )
            )
            if record.equity_ts:
                connection.execute(
                    insert(BacktestEquityRow),
                    [
                        {"run_id": run_id, "ts": ts, "equity": e, "cash": c, "exposure": x}
                        for ts, e, c, x in zip(
                            record.equity_ts,
                            record.equity,
                            record.cash,
                            record.exposure,
                            strict=True,
                        )
                    ],
                )
            if record.trades:
                connection.execute(
                    insert(BacktestTradeRow),
                    [_trade_row(run_id, seq, trade) for seq, trade in enumerate(record.trades)],
                )
            if record.orders:
                connection.execute(
                    insert(BacktestOrderRow),
                    [
                        _order_row(run_id, order, outcome, record.fees_by_order)
                        for order, outcome in zip(record.orders.values(), final, strict=True)
                    ],
                )
            for table, rows in (
                (BacktestDecisionRow, _decision_rows(run_id, record)),
                (BacktestPositionRow, _position_rows(run_id, record.positions)),
                (BacktestRiskEventRow, _risk_rows(run_id, record.risk_events)),
            ):
                if rows:
                    connection.execute(insert(table), rows)
        return run_id

    def recent(self, limit: int = 50) -> list[BacktestSummary]:
        query = select(BacktestRunRow).order_by(BacktestRunRow.id.desc()).limit(limit)
        with self._engine.connect() as connection:
            return [_summary(row._mapping) for row in connection.execute(query)]

    def get(self, run_id: int) -> BacktestSummary:
        query = select(BacktestRunRow).where(BacktestRunRow.id == run_id)
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
            if row is None:
                count = connection.execute(select(func.count()).select_from(BacktestRunRow))
                raise NotFoundError(
                    f"no backtest {run_id}; {count.scalar_one()} stored (see `arena backtest list`)"
                )
        return _summary(row._mapping)

    def equity(self, run_id: int) -> list[dict[str, Any]]:
        return self._rows(BacktestEquityRow, run_id, BacktestEquityRow.ts)

    def trades(self, run_id: int) -> list[dict[str, Any]]:
        return self._rows(BacktestTradeRow, run_id, BacktestTradeRow.seq)

    def orders(self, run_id: int) -> list[dict[str, Any]]:
        return self._rows(BacktestOrderRow, run_id, BacktestOrderRow.ts_created)

    def decisions(self, run_id: int) -> list[dict[str, Any]]:
        return self._rows(BacktestDecisionRow, run_id, BacktestDecisionRow.seq)

    def positions(self, run_id: int) -> list[dict[str, Any]]:
        return self._rows(BacktestPositionRow, run_id, BacktestPositionRow.seq)

    def risk_events(self, run_id: int) -> list[dict[str, Any]]:
        """The run's risk events; ``adjustments`` as the JSON text stored (a CSV cell)."""
        return self._rows(BacktestRiskEventRow, run_id, BacktestRiskEventRow.seq)

    def delete(self, run_id: int) -> None:
        with self._engine.begin() as connection:
            connection.execute(delete(BacktestRunRow).where(BacktestRunRow.id == run_id))

    def _rows(self, table: Any, run_id: int, order: Any) -> list[dict[str, Any]]:
        self.get(run_id)  # a clear error for an unknown id
        query = select(table).where(table.run_id == run_id).order_by(order)
        with self._engine.connect() as connection:
            return [
                {k: v for k, v in row._mapping.items() if k != "run_id"}
                for row in connection.execute(query)
            ]


@dataclass
class _Outcome:
    status: str
    ts: int
    filled: float = 0.0
    value: float = 0.0  # sum of filled quantity x price
    reason: str = ""


def _final_orders(orders: Mapping[str, Order], events: Sequence[OrderEvent]) -> list[_Outcome]:
    """Replay each order's events into its final status, filled quantity and average price."""
    outcomes = {
        key: _Outcome(order.status.value, order.ts_created) for key, order in orders.items()
    }
    for event in events:
        outcome = outcomes.get(event.client_order_id)
        if outcome is None:
            continue
        outcome.status = event.status_to.value
        outcome.ts = event.ts
        outcome.filled += event.quantity
        outcome.value += event.quantity * event.price
        if event.reason:
            outcome.reason = event.reason
    return [outcomes[key] for key in orders]


def _order_row(
    run_id: int, order: Order, outcome: _Outcome, fees: Mapping[str, float]
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "client_order_id": order.client_order_id,
        "symbol": order.symbol,
        "side": order.side.value,
        "type": order.type.value,
        "quantity": order.quantity,
        "price": order.price,
        "trigger_price": order.trigger_price,
        "reduce_only": order.reduce_only,
        "leverage": order.leverage,
        "tag": order.tag,
        "status": outcome.status,
        "filled_quantity": outcome.filled,
        "average_price": outcome.value / outcome.filled if outcome.filled else 0.0,
        "fee": fees.get(order.client_order_id, 0.0),
        "reason": outcome.reason,
        "ts_created": order.ts_created,
        "ts_updated": outcome.ts,
    }


def _trade_row(run_id: int, seq: int, trade: Trade) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "seq": seq,
        "symbol": trade.symbol,
        "side": trade.side,
        "quantity": trade.quantity,
        "entry_price": trade.entry_price,
        "exit_price": trade.exit_price,
        "ts_entry": trade.ts_entry,
        "ts_exit": trade.ts_exit,
        "pnl": trade.pnl,
        "fees": trade.fees,
        "funding": trade.funding,
        "exit_reason": trade.exit_reason,
    }


def _decision_rows(run_id: int, record: BacktestRecord) -> list[dict[str, Any]]:
    """A row per action of every decision, in the order they were taken."""
    actions = [(d.ts, action) for d in record.decisions for action in d.actions]
    return [
        {"run_id": run_id, "seq": seq, "ts": ts, "symbol": a.symbol, "signal": a.signal.value,
         "target": record.targets.get((ts, a.symbol)), "quantity": a.quantity,
         "notional": a.notional, "leverage": a.leverage, "stop_loss": a.stop_loss,
         "take_profit": a.take_profit, "stop_loss_fraction": a.stop_loss_fraction,
         "take_profit_fraction": a.take_profit_fraction, "reason": a.justification}
        for seq, (ts, a) in enumerate(actions)
    ]  # fmt: skip


def _position_rows(run_id: int, changes: Sequence[PositionChange]) -> list[dict[str, Any]]:
    rows = []
    for seq, change in enumerate(changes):
        row: dict[str, Any] = {"run_id": run_id, "seq": seq, "ts": change.ts,
                               "symbol": change.symbol, "tag": change.tag}  # fmt: skip
        held = change.position
        if held is None:
            row.update(quantity=0.0, entry_price=None, margin=0.0, leverage=None,
                       stop_loss=None, take_profit=None, ts_opened=None)  # fmt: skip
        else:
            plan = held.exit_plan
            row.update(quantity=held.quantity, entry_price=held.entry_price, margin=held.margin,
                       leverage=held.leverage, stop_loss=plan.stop_loss,
                       take_profit=plan.take_profit, ts_opened=held.ts_opened)  # fmt: skip
        rows.append(row)
    return rows


def _risk_rows(run_id: int, events: Sequence[RiskEvent]) -> list[dict[str, Any]]:
    return [
        {"run_id": run_id, "seq": seq, "ts": event.ts, "symbol": event.symbol,
         "signal": event.action.signal.value, "level": event.level.value, "rule": event.rule,
         "reason": event.reason, "adjustments": json.dumps(list(event.adjustments))}
        for seq, event in enumerate(events)
    ]  # fmt: skip


def _summary(row: Any) -> BacktestSummary:
    return BacktestSummary(
        id=row["id"],
        strategy=row["strategy"],
        symbols=row["symbols"].split(","),
        timeframe=row["timeframe"],
        ts_start=row["ts_start"],
        ts_end=row["ts_end"],
        bars=row["bars"],
        metrics=json.loads(row["metrics"]),
        config=json.loads(row["config"]),
        ts_created=row["ts_created"],
        denials=json.loads(row["denials"] or "{}"),
    )
