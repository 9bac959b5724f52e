"""``arena season decisions|positions|trades``: what a season's entries did."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from alpha_arena.cli.common import app_context, console, one_line_errors, print_json
from alpha_arena.cli.tables import Field, coin, fitted_table, price
from alpha_arena.core.redact import redact
from alpha_arena.core.time import to_iso

if TYPE_CHECKING:
    from alpha_arena.domain.llm import LlmCall
    from alpha_arena.services.season_views import DecisionView, EntryTrade, PositionView

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")
IdArgument = typer.Argument(..., help="Season id (see `arena season list`).")
EntryOption = typer.Option(None, "--entry", help="Only this entry (agent name).")


@one_line_errors
def decisions_command(
    season_id: int = IdArgument,
    entry: str | None = EntryOption,
    symbol: str | None = typer.Option(None, "--symbol", help="Only decisions about this symbol."),
    last: int = typer.Option(20, "--last", min=1, max=10_000, help="The newest N decisions."),
    prompt: bool = typer.Option(False, "--prompt", help="Also print the prompt sent."),
    as_json: bool = JsonOption,
) -> None:
    """Print the newest decisions, oldest first, with the model chat behind them.

    For an LLM entry: the model's answer, its reasoning and the parsed decision (and the prompt
    with --prompt); for a rule agent: the decision and its justification."""
    from alpha_arena.services.season_views import recent_decisions

    with app_context() as context:
        found = recent_decisions(context, season_id, entry, symbol, last)
    if as_json:
        print_json([_decision_json(view, prompt) for view in found])
        return
    if not found:
        console.print(f"season {season_id} has no decisions yet")
    for view in found:
        _print_decision(view, prompt)


def _decision_json(view: DecisionView, with_prompt: bool) -> dict[str, Any]:
    return {
        "entry": view.entry, "tick": view.tick, "time": to_iso(view.ts), "outcome": view.outcome,
        "reasoning": view.reasoning, "latency_ms": view.latency_ms, "actions": view.actions,
        "llm_calls": [_call_json(call, with_prompt) for call in view.calls],
    }  # fmt: skip


def _call_json(call: LlmCall, with_prompt: bool) -> dict[str, Any]:
    values: dict[str, Any] = {
        "provider": call.provider, "model": call.model, "raw_response": call.raw_response,
        "reasoning": call.reasoning, "parsed_decision": call.parsed_decision,
        "error": _error(call), "input_tokens": call.input_tokens,
        "output_tokens": call.output_tokens, "latency_ms": call.latency_ms,
        "cost_usd": call.cost_usd, "cached": call.cached,
    }  # fmt: skip
    if with_prompt:
        values["messages"] = call.messages
    return values


def _print_decision(view: DecisionView, with_prompt: bool) -> None:
    console.rule(
        f"{escape(view.entry)} · tick {view.tick} · {to_iso(view.ts)} · {view.outcome} · "
        f"{view.latency_ms:,.0f} ms",
        align="left",
    )
    if view.reasoning:
        _say("reasoning", view.reasoning)
    for action in view.actions:
        console.print(_action_text(action), highlight=False, markup=False)
    if not view.actions:
        console.print("hold everything", highlight=False)
    for number, call in enumerate(view.calls, start=1):
        cost = "unknown price" if call.cost_usd is None else f"${call.cost_usd:.4f}"
        console.print(
            f"model call {number}: {call.provider}/{call.model}, {call.input_tokens:,} tokens in, "
            f"{call.output_tokens:,} out, {call.latency_ms:,.0f} ms, {cost}"
            + (", from the cache" if call.cached else ""),
            highlight=False, markup=False,
        )  # fmt: skip
        if with_prompt:
            for message in call.messages:
                _say(f"  {message.get('role', 'message')}", str(message.get("content", "")))
        if call.reasoning:
            _say("  model reasoning", call.reasoning)
        if call.raw_response is not None:
            _say("  response", call.raw_response)
        if call.parsed_decision is not None:
            _say("  parsed", json.dumps(call.parsed_decision, indent=2))
        if call.error:
            _say("  error", _error(call) or "")


def _error(call: LlmCall) -> str | None:
    # Errors are redacted before they are stored; again here for rows stored before that.
    return None if call.error is None else redact(call.error)


def _say(label: str, text: str) -> None:
    console.print(f"{label}: {text}", highlight=False, markup=False)


def _action_text(action: dict[str, Any]) -> str:
    """``BTC/USDT:USDT buy_to_enter 0.01 at 3x, stop 80,000, target 95,000 (0.70): why``."""
    parts = [str(action.get("symbol", "?")), str(action.get("signal", "?"))]
    if action.get("quantity") is not None:
        parts.append(f"{action['quantity']:g}")
    if action.get("notional") is not None:
        parts.append(f"{action['notional']:,.2f} USDT")
    if action.get("leverage") is not None:
        parts.append(f"at {action['leverage']:g}x")
    exits = (("stop_loss", "stop"), ("take_profit", "target"))
    plan = [f"{label} {action[key]:,.4g}" for key, label in exits if action.get(key) is not None]
    text = " ".join(parts) + (", " + ", ".join(plan) if plan else "")
    if action.get("confidence") is not None:
        text += f" (confidence {action['confidence']:.2f})"
    if action.get("invalidation"):
        text += f"; invalid if {action['invalidation']}"
    if action.get("justification"):
        text += f": {action['justification']}"
    return text


@one_line_errors
def positions_command(
    season_id: int = IdArgument, entry: str | None = EntryOption, as_json: bool = JsonOption
) -> None:
    """Print the open positions with their exit plans, marked at the season's last tick."""
    from alpha_arena.services.season_views import open_positions

    with app_context() as context:
        found = open_positions(context, season_id, entry)
    if as_json:
        print_json([_position_json(view) for view in found])
        return
    if not found:
        console.print(f"season {season_id}: no open positions")
        return
    rows = []
    for view in found:
        position = view.position
        rows.append([
            view.entry, coin(position.symbol), "long" if position.is_long else "short",
            f"{position.size:g}", price(position.entry_price), price(view.mark_price),
            _maybe(view.unrealized_pnl, "{:+,.2f}"), f"{position.leverage:g}x",
            price(position.liquidation_price()), _exit_plan(view),
        ])  # fmt: skip
    fields = [Field("entry", text=True), Field("coin"), Field("side"), Field("qty"),
              Field("entry"), Field("mark"), Field("PnL"), Field("lev"), Field("liq."),
              Field("exit plan", text=True)]  # fmt: skip
    title = (
        f"Open positions of season {season_id}, marked at its last tick "
        "(PnL: unrealized; liq.: liquidation price)"
    )
    console.print(fitted_table(fields, rows, title, compact=True))


def _exit_plan(view: PositionView) -> str:
    plan = view.position.exit_plan
    levels = (("stop", plan.stop_loss), ("target", plan.take_profit))
    parts = [f"{label} {price(level)}" for label, level in levels if level is not None]
    if plan.invalidation:
        parts.append(f"invalid if {plan.invalidation}")
    return "; ".join(parts) or "-"


def _position_json(view: PositionView) -> dict[str, Any]:
    position, plan = view.position, view.position.exit_plan
    return {
        "entry": view.entry, "symbol": position.symbol,
        "side": "long" if position.is_long else "short", "quantity": position.quantity,
        "entry_price": position.entry_price, "mark_price": view.mark_price,
        "notional": view.notional, "unrealized_pnl": view.unrealized_pnl,
        "margin": position.margin, "leverage": position.leverage,
        "liquidation_price": position.liquidation_price(), "opened": to_iso(position.ts_opened),
        "take_profit": plan.take_profit, "stop_loss": plan.stop_loss,
        "invalidation": plan.invalidation,
    }  # fmt: skip


@one_line_errors
def trades_command(
    season_id: int = IdArgument, entry: str | None = EntryOption, as_json: bool = JsonOption
) -> None:
    """Print the completed round trips (flat to flat), in the order they closed."""
    from alpha_arena.services.season_views import completed_trades

    with app_context() as context:
        found = completed_trades(context, season_id, entry)
    if as_json:
        print_json([_trade_json(item) for item in found])
        return
    if not found:
        console.print(f"season {season_id}: no completed trades yet")
        return
    fields = [Field("coin"), Field("side"), Field("qty"), Field("opened"), Field("closed"),
              Field("entry"), Field("exit"), Field("net PnL"), Field("closed by")]  # fmt: skip
    for name in dict.fromkeys(item.entry for item in found):  # one table per entry, in order
        trades = [item.trade for item in found if item.entry == name]
        rows = [
            [coin(t.symbol), t.side, f"{t.quantity:g}", _time(t.ts_entry), _time(t.ts_exit),
             price(t.entry_price), price(t.exit_price), f"{t.net_pnl:+,.2f}", t.exit_reason]
            for t in trades
        ]  # fmt: skip
        title = f"{name}: completed trades in season {season_id}"
        caption = (
            f"{len(trades):,} trades: PnL {sum(t.pnl for t in trades):+,.2f}, fees "
            f"{sum(t.fees for t in trades):,.2f}, funding {sum(t.funding for t in trades):+,.2f}"
            f", net {sum(t.net_pnl for t in trades):+,.2f}"
        )
        console.print(fitted_table(fields, rows, title, caption, compact=True))


def _trade_json(item: EntryTrade) -> dict[str, Any]:
    trade = item.trade
    return {
        "entry": item.entry, "symbol": trade.symbol, "side": trade.side,
        "quantity": trade.quantity, "opened": to_iso(trade.ts_entry),
        "closed": to_iso(trade.ts_exit), "entry_price": trade.entry_price,
        "exit_price": trade.exit_price, "pnl": trade.pnl, "fees": trade.fees,
        "funding": trade.funding, "net_pnl": trade.net_pnl, "exit_reason": trade.exit_reason,
    }  # fmt: skip


def _time(ts: int) -> str:
    """``03-30 04:00``: the year is the season's, and the column stays narrow."""
    return to_iso(ts)[5:16].replace("T", " ")


def _maybe(value: float | None, template: str) -> str:
    return "-" if value is None else template.format(value)
