"""The season leaderboard as terminal tables that fit 100 columns.

The ranking with its uncertainty comes first; what each entry earned and paid, and how it
decided, follow in tables stacked below (``--wide``: one table with every column). Numbers
never wrap and are never cut: a cell that cannot fit would read "1…"; long names and
configurations fold onto a second line instead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table

from alpha_arena.cli.tables import Field, fitted_table

if TYPE_CHECKING:
    from alpha_arena.seasons.leaderboard import Leaderboard, LeaderboardRow


@dataclass(frozen=True, slots=True)
class _Field:
    """One column: its header and how a row's value is shown."""

    header: str
    value: Callable[[LeaderboardRow], str]
    text: bool = False  # free text that may fold (names, configurations); numbers never wrap


def _maybe(value: float | None, template: str) -> str:
    return "-" if value is None else template.format(value)


def _name(row: LeaderboardRow) -> str:
    name = row.name + (" (baseline)" if row.baseline else "") + (" *" if row.few_trades else "")
    return name if row.status == "active" else f"{name} [{row.status}]"


def _cost(row: LeaderboardRow) -> str:
    return "unknown" if row.llm_cost_usd is None else f"{row.llm_cost_usd:.2f}"


def _ranking_fields(confidence: float) -> tuple[_Field, ...]:
    return (
        _Field("#", lambda r: str(r.rank)),
        _Field("agent", _name, text=True),
        _Field("account value", lambda r: f"{r.account_value:,.0f}"),
        _Field("return", lambda r: f"{r.return_pct:+.1f}%"),
        _Field(f"{confidence:.0%} interval",
               lambda r: f"{r.return_low_pct:+.1f}%..{r.return_high_pct:+.1f}%"),
        _Field("alpha/yr (interval)", _alpha),
        _Field("P(beats BTC)", lambda r: _maybe(r.p_beats_btc, "{:.2f}")),
        _Field("Sharpe", lambda r: _maybe(r.sharpe, "{:.2f}")),
    )  # fmt: skip


def _alpha(row: LeaderboardRow) -> str:
    """Alpha vs BTC per year with its interval, whole percents: "+41% (-18..+104)"."""
    alpha, low, high = row.alpha_btc_pct, row.alpha_btc_low_pct, row.alpha_btc_high_pct
    if alpha is None or low is None or high is None:
        return "-"
    return f"{round(alpha):+d}% ({round(low):+d}..{round(high):+d})"  # never "-0%"


def _exposure(row: LeaderboardRow) -> str:
    net, gross = row.net_exposure, row.gross_exposure
    return "-" if net is None or gross is None else f"{net:+.0%}/{gross:.0%}"


def _shares(row: LeaderboardRow) -> str:
    shares = (row.long_share, row.short_share, row.flat_share)
    return "-" if None in shares else "/".join(f"{share:.0%}" for share in shares)


_AGENT = _Field("agent", lambda r: r.name, text=True)
_SKILL = (
    _AGENT,
    _Field("max drawdown", lambda r: f"{r.max_drawdown_pct:.1f}%"),
    _Field("trades", lambda r: f"{r.trades:,}"),
    _Field("beta BTC", lambda r: _maybe(r.beta_btc, "{:.2f}")),
    _Field("beta basket", lambda r: _maybe(r.beta_basket, "{:.2f}")),
    _Field("net/gross exposure", _exposure),
    _Field("long/short/flat", _shares),
    _Field("turnover", lambda r: _maybe(r.turnover, "{:.1f}x")),
)
_BASKET_ALPHA = _Field("alpha/yr vs basket", lambda r: _maybe(r.alpha_basket_pct, "{:+.1f}%"))
_MONEY = (
    _AGENT,
    _Field("Sharpe interval", lambda r: f"{r.sharpe_low:.1f}..{r.sharpe_high:.1f}"),
    _Field("PnL", lambda r: f"{r.pnl:+,.0f}"),
    _Field("fees", lambda r: f"{r.fees:,.0f}"),
    _Field("funding", lambda r: f"{r.funding:+,.0f}"),
    _Field("win rate", lambda r: _maybe(r.win_rate, "{:.0%}")),
    _Field("biggest win", lambda r: _maybe(r.biggest_win, "{:+,.0f}")),
    _Field("biggest loss", lambda r: _maybe(r.biggest_loss, "{:+,.0f}")),
)
_DECIDING = (
    _AGENT,
    _Field("LLM $", _cost),
    _Field("invalid decisions", lambda r: f"{r.invalid_decisions:,}"),
    _Field("repaired answers", lambda r: f"{r.repaired_answers:,}"),
    _Field("missed deadlines", lambda r: f"{r.missed_deadlines:,}"),
    _Field("decision ms", lambda r: _maybe(r.avg_decision_ms, "{:,.1f}")),
)


def _model_version(row: LeaderboardRow) -> str:
    """The version that answered last, and the earlier ones of this season if any."""
    if row.model_version is None:
        return "-"
    earlier = [label for label in row.model_versions if label != row.model_version]
    return row.model_version + (f" (earlier: {', '.join(earlier)})" if earlier else "")


_IDENTITY = (
    _AGENT,
    _Field("fingerprint", lambda r: r.fingerprint),
    _Field("configuration", lambda r: r.description, text=True),
)
#: Shown only when an entry was answered by a model: a season of rules has no use for it.
_MODEL_VERSION = _Field("model version", _model_version, text=True)


def leaderboard_table(board: Leaderboard, wide: bool = False) -> Group:
    """The ranking with its uncertainty, then what each entry paid, did and is."""
    ranking = _ranking_fields(board.confidence)
    answered = any(row.model_version is not None for row in board.rows)
    identity: tuple[_Field, ...] = _IDENTITY + ((_MODEL_VERSION,) if answered else ())
    title = (
        f"Season {board.season_id} {board.name!r} ({board.status}, {board.ticks:,} ticks "
        f"from {board.start})"
    )
    if board.real:
        title += ": LIVE, real exchange executions"
    if board.rank_by != "value":
        title += f", ranked by {board.rank_by}"
    caption = (
        "intervals: bootstrap of per-tick returns; P(beats BTC): share of resamples in which "
        "it beat BTC buy-and-hold; alpha/yr: return per year beyond its exposure to BTC (beta); "
        f"* fewer than {board.min_trades} trades, too few to judge"
    )
    if wide:
        every = ranking + _SKILL[1:] + (_BASKET_ALPHA,) + _MONEY[1:] + _DECIDING[1:] + identity[1:]
        return Group(_table(every, board.rows, title, caption))
    return Group(
        _table(ranking, board.rows, title, caption),
        _table(_SKILL, board.rows, "Risk and exposure (beta: how much it moved with the market)"),
        _table(_MONEY, board.rows, "What each entry earned and paid"),
        _table(_DECIDING, board.rows, "How each entry decided"),
        _table(identity, board.rows, "What each entry is"),
    )


def _table(
    fields: Sequence[_Field],
    rows: Sequence[LeaderboardRow],
    title: str | None = None,
    caption: str | None = None,
) -> Table:
    cells = [[field.value(row) for field in fields] for row in rows]
    columns = [Field(field.header, field.text) for field in fields]
    return fitted_table(columns, cells, title, caption)
