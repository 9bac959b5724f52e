"""What every command shares: one-line errors, JSON output, the application context."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from alpha_arena.core.errors import ArenaError
from alpha_arena.core.settings import Settings
from alpha_arena.services.context import AppContext, open_context

P = ParamSpec("P")
R = TypeVar("R")


def _console(stderr: bool = False) -> Console:
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console.width = 200  # pipes and CI logs: do not cut table cells at rich's default 80
    return console


console = _console()
error_console = _console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    """Print one line to stderr and exit non-zero."""
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn expected failures into a one-line message and exit code 2, never a traceback."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ArenaError as error:
            fail(str(error))
        except ValidationError as error:
            first = error.errors()[0]
            location = ".".join(str(part) for part in first["loc"])
            fail(f"invalid setting ARENA_{location.upper()}: {first['msg']}")
        except KeyboardInterrupt:
            fail("interrupted", code=130)
        raise AssertionError("unreachable")

    return wrapper


@contextmanager
def app_context() -> Iterator[AppContext]:
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    context = open_context(settings)
    try:
        yield context
    finally:
        context.close()


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2) + "\n")


@contextmanager
def progress_bar(label: str, unit: str, hidden: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (none with --json); yields the callback that advances it."""
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
