"""``arena data price``: current coin prices from CoinGecko (nothing is stored)."""

from __future__ import annotations

import typer
from rich.table import Table

from alpha_arena.cli.common import console, one_line_errors, print_json
from alpha_arena.core.logs import configure_logging
from alpha_arena.core.time import to_iso

CoinsArgument = typer.Argument(..., help="Coins, e.g. BTC ETH SOL.")


@one_line_errors
def price_command(
    coins: list[str] = CoinsArgument,
    currency: str = typer.Option("usd", "--vs", help="Currency to price them in: usd, eur, btc."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """Print CoinGecko's current price of each coin (works where exchanges are blocked)."""
    from alpha_arena.core.clock import WallClock
    from alpha_arena.core.settings import Settings
    from alpha_arena.services.prices import current_prices

    settings = Settings()  # no database: a price is asked, not stored
    configure_logging(settings.log_level)
    snapshots = current_prices(settings, WallClock(), coins, currency)
    if as_json:
        print_json(
            [{"symbol": item.symbol, "price": item.last, "ts": item.ts} for item in snapshots]
        )
        return
    table = Table("coin", f"price ({currency.strip().upper()})", "updated (UTC)")
    for item in snapshots:
        table.add_row(
            item.symbol.split("/")[0],
            f"{item.last:,.8g}" if item.last is not None else "",
            to_iso(item.ts)[:19].replace("T", " "),
        )
    console.print(table)
    console.print("prices by CoinGecko")
