"""What every command shares: one-line errors, JSON output, the application context."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
import typer
from rich.console import Console

from alpha_arena.core.errors import ArenaError
from alpha_arena.core.logs import configure_logging

# Commands import what they use when they run: `arena --help` must not pay for the database,
# the data stack or the model SDKs (see benchmarks/cli_startup.py).
if TYPE_CHECKING:
    from alpha_arena.services.context import AppContext

P = ParamSpec("P")
R = TypeVar("R")


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = 200  # pipes and CI logs: do not cut table cells at rich's default 80
    return console


console = _console()
error_console = _console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    """Print one line to stderr and exit non-zero. The message is printed as it is: text in
    square brackets ("[::1]", "[3f9a1c2e]") is not markup."""
    from rich.markup import escape

    error_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn expected failures into a one-line message and exit code 2, never a traceback."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ArenaError as error:
            fail(str(error))
        except KeyboardInterrupt:
            fail("interrupted", code=130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # fail() and typer's own exits: already said what they had to
        except Exception as error:
            message = _expected_failure(error)
            if message is None:
                raise
            fail(message)
        raise AssertionError("unreachable")

    return wrapper


def _expected_failure(error: Exception) -> str | None:
    """The one line for a bad setting or a failed database call; None for anything else."""
    from pydantic import ValidationError

    if isinstance(error, ValidationError):
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        return f"invalid setting ARENA_{location.upper()}: {first['msg']}"
    from alpha_arena.core.settings import Settings
    from alpha_arena.storage.errors import database_error

    try:
        url = Settings().database_url
    except ValidationError:
        url = "ARENA_DATABASE_URL"
    translated = database_error(error, url)
    return None if translated is None else str(translated)


@contextmanager
def app_context() -> Iterator[AppContext]:
    from alpha_arena.core.settings import Settings
    from alpha_arena.services.context import open_context

    settings = Settings()
    configure_logging(settings.log_level)
    context = open_context(settings)
    if settings.broker_url is not None:
        from alpha_arena.worker.client import attach_workers

        attach_workers(context)
    try:
        yield context
    finally:
        context.close()


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2) + "\n")


@contextmanager
def progress_bar(label: str, unit: str, hidden: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (none with --json); yields the callback that advances it."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn(label), BarColumn(), TextColumn(f"{{task.completed:,}}/{{task.total:,}} {unit}"),
        TimeElapsedColumn(), console=error_console, transient=True,
        disable=hidden or not error_console.is_terminal,  # no bars in logs and pipes
    )  # fmt: skip
    with progress:
        task = progress.add_task(label, total=0)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance
