"""``arena serve`` (the HTTP API with its embedded season runner) and ``arena openapi``."""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from pathlib import Path

import typer

from alpha_arena.cli.common import console, error_console, one_line_errors
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.logs import configure_logging


@one_line_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    runner: bool = typer.Option(
        True,
        "--runner/--no-runner",
        help="Drive running seasons in this server (default; ARENA_API_EMBEDDED_RUNNER).",
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64,
        help="Server processes sharing the port; more than one needs the runner out of the "
        "server (ARENA_BROKER_URL set, or --no-runner).",
    ),
) -> None:  # fmt: skip
    """Serve the REST API under /api/v1, the live WebSocket, /health and /metrics. Started
    seasons are run by the server and resume when it restarts (with ARENA_BROKER_URL set,
    by the workers instead)."""
    import uvicorn

    from alpha_arena.api.app import BOUND_HOST_ENV, app_from_environment, create_app
    from alpha_arena.core.settings import Settings
    from alpha_arena.storage.database import check_connection, engine_for

    settings = Settings()
    configure_logging(settings.log_level)
    engine = engine_for(settings)
    try:
        check_connection(engine)  # a wrong URL is one line here, not a traceback at startup
    finally:
        engine.dispose()
    embedded = runner and settings.api_embedded_runner and settings.broker_url is None
    if workers > 1 and embedded:
        raise InvalidInputError(
            "--workers above 1 needs the season runner out of the server: set ARENA_BROKER_URL "
            "(the workers run seasons) or pass --no-runner"
        )
    access = "writes need the bearer token" if settings.api_token else "read-only (no token)"
    from alpha_arena.dashboard import is_built

    shown = "[::1]" if host == "::1" else host
    console.print(f"serving http://{shown}:{port}/api/v1 ({access}; docs at /api/v1/docs)")
    if is_built():
        console.print(f"dashboard: open http://{shown}:{port}/ in a browser")
    else:
        error_console.print("note: the dashboard is not built (`make web`); the API works")
    if not _loopback(host) and not settings.api_public_reads:
        error_console.print("note: clients beyond loopback need the token to read too")
    if settings.broker_url is not None:
        console.print("seasons and backtests run in the workers (ARENA_BROKER_URL)")
    log_level, access_log = settings.log_level.lower(), settings.log_level == "DEBUG"
    if workers > 1:
        # Each process imports the app by name and builds it from the environment.
        os.environ[BOUND_HOST_ENV] = host
        factory = f"{app_from_environment.__module__}:{app_from_environment.__name__}"
        uvicorn.run(factory, factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, access_log=access_log)  # fmt: skip
        return
    uvicorn.run(
        create_app(settings, embedded_runner=embedded, bound_host=host, separate_processes=True),
        host=host, port=port, log_level=log_level, access_log=access_log,
    )  # fmt: skip


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@one_line_errors
def openapi(
    out: Path | None = typer.Option(  # noqa: B008
        None, "--out", help="Write here instead of to stdout."
    ),
) -> None:
    """Print the OpenAPI spec of the HTTP API (the committed openapi.json is this output)."""
    from alpha_arena.api.spec import openapi_text

    text = openapi_text()
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text)
    except OSError as error:
        raise InvalidInputError(f"cannot write {out}: {error.strerror}") from None
    console.print(f"wrote {out} ({len(json.loads(text)['paths'])} paths)")
