"""Prometheus metrics of the server and of the seasons it runs (exposed at /metrics)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alpha_arena.seasons.commit_summary import CommitSummary


class Metrics:
    """One registry per app, so two servers in one process (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "arena_http_requests", "HTTP requests served.", ["method", "route", "status"],
            registry=r,
        )  # fmt: skip
        self.request_seconds = Histogram(
            "arena_http_request_seconds", "Time to serve a request.", ["route"], registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
        )  # fmt: skip
        self.errors = Counter(
            "arena_errors", "Failures: HTTP 5xx and season runner errors.", ["kind"], registry=r
        )
        self.ticks = Counter("arena_ticks", "Season ticks committed.", ["season"], registry=r)
        self.decisions = Counter(
            "arena_decisions",
            "Agent decisions recorded, by outcome: valid, repaired (from the answer to a repair "
            "request), invalid (a hold: no valid answer) or deadline (a hold: cut off).",
            ["season", "outcome"], registry=r,
        )  # fmt: skip
        self.orders = Counter("arena_orders", "Orders placed.", ["season"], registry=r)
        self.fills = Counter("arena_fills", "Orders filled (fills).", ["season"], registry=r)
        self.llm_calls = Counter(
            "arena_llm_calls", "LLM calls made by season entries.", ["provider", "model"],
            registry=r,
        )  # fmt: skip
        self.llm_latency = Histogram(
            "arena_llm_latency_seconds", "LLM call latency.", ["provider"], registry=r,
            buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0),
        )  # fmt: skip
        self.llm_cost = Counter(
            "arena_llm_cost_usd", "LLM cost in US dollars, of the calls whose price is known.",
            ["provider", "model"], registry=r,
        )  # fmt: skip
        self.llm_unpriced = Counter(
            "arena_llm_unpriced_calls", "LLM calls of a model whose price is unknown.",
            ["provider", "model"], registry=r,
        )  # fmt: skip
        self.runners = Gauge(
            "arena_season_runners", "Seasons being driven by the embedded runner.", registry=r
        )

    def on_commit(self, commit: CommitSummary) -> None:
        """Count what one committed tick of a season added."""
        season = str(commit.season_id)
        self.ticks.labels(season).inc()
        for outcome, count in commit.outcomes.items():
            self.decisions.labels(season, outcome).inc(count)
        self.orders.labels(season).inc(commit.orders)
        self.fills.labels(season).inc(commit.fills)
        for call in commit.calls:
            self.llm_calls.labels(call.provider, call.model).inc()
            self.llm_latency.labels(call.provider).observe(call.latency_ms / 1000.0)
            if call.cost_usd is None:
                self.llm_unpriced.labels(call.provider, call.model).inc()
            else:
                self.llm_cost.labels(call.provider, call.model).inc(call.cost_usd)


class RouteTemplates:
    """The route template a path was served by, e.g. ``/api/v1/seasons/{season_id}``: metric
    labels must be bounded, so never the raw path. Matched against the app's own templates
    (how routers expose their full path differs between FastAPI versions)."""

    def __init__(self, templates: Iterable[str]) -> None:
        self._static: set[str] = set()
        self._patterns: list[tuple[re.Pattern[str], str]] = []
        for template in templates:
            if "{" not in template:
                self._static.add(template)
                continue
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            self._patterns.append((re.compile(pattern + "$"), template))

    def of(self, path: str) -> str:
        if path in self._static:
            return path
        for pattern, template in self._patterns:
            if pattern.match(path):
                return template
        return "unmatched"


class MeasureRequests:
    """Count and time every request by its route template (bounded labels, not raw paths)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._templates: RouteTemplates | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_and_note)
        finally:
            metrics: Metrics = scope["app"].state.arena.metrics
            template = self._template(scope)
            metrics.requests.labels(scope["method"], template, str(status)).inc()
            metrics.request_seconds.labels(template).observe(time.perf_counter() - started)
            if status >= 500:
                metrics.errors.labels("http_5xx").inc()

    def _template(self, scope: Scope) -> str:
        if self._templates is None:
            self._templates = RouteTemplates(scope["app"].openapi()["paths"])
        return self._templates.of(scope["path"])
