"""The embedded runner in a process of its own: `arena serve` drives its seasons from a child
process, so that the server and the runner do not share one interpreter lock (under read load
the runner fell from hundreds of ticks a second to a dozen when they did).

The child runs the same ``RunnerSupervisor`` as the in-process wiring and reports, one JSON
object per line on its standard output, what the server's callbacks need: every commit (as a
``CommitSummary``), every runner failure, every season whose runner returned, and the seasons
it drives. The parent writes the settings as the first line of the child's standard input
(secrets travel through the pipe, never through the command line or the environment), then
``nudge`` lines; closing that pipe stops the child, whose seasons stay running and resume at
the next start (the parent's death closes it too, so no runner outlives its server)."""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from alpha_arena.core.logs import configure_logging
from alpha_arena.core.settings import Settings
from alpha_arena.seasons.commit_summary import CommitSummary

logger = logging.getLogger(__name__)

OnCommitSummary = Callable[[CommitSummary], None]
#: How long a child that died unexpectedly waits before it is started again.
RESTART_DELAY_S = 1.0


class RunnerProcessError(RuntimeError):
    """A failure of a season's runner in the child process, named by its original type."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class RunnerProcess:
    """The parent's side: start, nudge and stop the child; relay its reports to callbacks."""

    def __init__(
        self,
        settings: Settings,
        on_commit: OnCommitSummary | None = None,
        on_error: Callable[[int, Exception], None] | None = None,
        on_stop: Callable[[int], None] | None = None,
    ) -> None:
        self._settings = settings
        self._on_commit = on_commit
        self._on_error = on_error
        self._on_stop = on_stop
        self._child: subprocess.Popen[str] | None = None
        self._active: list[int] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        self._spawn()
        self._reader = threading.Thread(target=self._relay, name="runner-process", daemon=True)
        self._reader.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the child; its seasons stay running, to resume on the next start."""
        self._stopping.set()
        child = self._child
        if child is not None:
            _close(child.stdin)
            try:
                child.wait(timeout_s)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if self._reader is not None:
            self._reader.join(timeout_s)

    def nudge(self) -> None:
        """Look for running seasons now (a season was just started or resumed)."""
        child = self._child
        if child is None or child.stdin is None:
            return
        with self._lock, contextlib.suppress(OSError, ValueError):  # gone: the relay restarts it
            child.stdin.write("nudge\n")  # requests nudge from several threads: one line each
            child.stdin.flush()

    def active(self) -> list[int]:
        """The seasons the child drives right now."""
        with self._lock:
            return list(self._active)

    def _spawn(self) -> None:
        child = subprocess.Popen(
            [sys.executable, "-m", "alpha_arena.seasons.runner_process"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        )  # fmt: skip
        assert child.stdin is not None
        child.stdin.write(self._settings.to_child_json() + "\n")
        child.stdin.flush()
        self._child = child

    def _relay(self) -> None:
        while True:
            child = self._child
            assert child is not None and child.stdout is not None
            for line in child.stdout:
                self._dispatch(line)
            code = child.wait()
            with self._lock:
                self._active = []
            if self._stopping.is_set():
                return
            logger.error("the season runner process exited with %s; starting it again", code)
            if self._on_error is not None:
                self._on_error(0, RunnerProcessError("RunnerExited", f"exit code {code}"))
            time.sleep(RESTART_DELAY_S)
            if self._stopping.is_set():
                return
            self._spawn()

    def _dispatch(self, line: str) -> None:
        try:
            report: dict[str, Any] = json.loads(line)
        except ValueError:
            logger.warning("the season runner process said: %s", line.rstrip()[:200])
            return
        try:
            if "commit" in report and self._on_commit is not None:
                self._on_commit(CommitSummary.from_dict(report["commit"]))
            elif "active" in report:
                with self._lock:
                    self._active = sorted(int(sid) for sid in report["active"])
            elif "stop" in report and self._on_stop is not None:
                self._on_stop(int(report["stop"]))
            elif "error" in report and self._on_error is not None:
                error = report["error"]
                failure = RunnerProcessError(str(error["type"]), str(error["message"]))
                self._on_error(int(error["season_id"]), failure)
        except Exception:  # a callback's failure must not stop the relay
            logger.exception("relaying the season runner's report failed")


def _close(stream: IO[str] | None) -> None:
    if stream is not None:
        with contextlib.suppress(OSError):  # a broken pipe: the child is gone already
            stream.close()


# -- the child --------------------------------------------------------------------------------


def main() -> None:
    """Run the supervisor until standard input closes; report on standard output."""
    from alpha_arena.seasons.supervisor import RunnerSupervisor
    from alpha_arena.services.context import open_context

    out = sys.stdout
    sys.stdout = sys.stderr  # nothing else may write on the report channel
    write_lock = threading.Lock()

    def report(payload: dict[str, Any]) -> None:
        with write_lock:
            out.write(json.dumps(payload, separators=(",", ":")) + "\n")
            out.flush()

    settings = Settings(**json.loads(sys.stdin.readline()))
    configure_logging(settings.log_level)
    context = open_context(settings)

    def on_error(season_id: int, error: Exception) -> None:
        failure = {"season_id": season_id, "type": type(error).__name__, "message": str(error)}
        report({"error": failure})

    supervisor = RunnerSupervisor(
        context,
        on_commit=lambda season_id, tick, ticks: report(
            {"commit": CommitSummary.of(season_id, tick, ticks).as_dict()}
        ),
        on_error=on_error,
        on_stop=lambda season_id: report({"stop": season_id}),
    )
    supervisor.start()
    done = threading.Event()

    def listen() -> None:
        for line in sys.stdin:
            if line.strip() == "nudge":
                supervisor.nudge()
        done.set()  # the parent closed the pipe, or died

    threading.Thread(target=listen, name="runner-commands", daemon=True).start()
    shown: list[int] | None = None
    while not done.wait(0.25):
        active = supervisor.active()
        if active != shown:
            report({"active": active})
            shown = active
    supervisor.stop()
    context.close()


if __name__ == "__main__":
    main()
