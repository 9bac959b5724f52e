"""Settings are read once, from the environment and ``.env``, with the ``ARENA_`` prefix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./data/arena.db"
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """Every setting Alpha Arena reads; ``.env.example`` documents each one."""

    model_config = SettingsConfigDict(
        env_prefix="ARENA_", env_file=".env", extra="ignore", frozen=True, populate_by_name=True
    )

    # The common unprefixed DATABASE_URL (set by many hosts) is read when ARENA_DATABASE_URL
    # is not: the prefixed name wins when both are set.
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("ARENA_DATABASE_URL", "DATABASE_URL"),
        description=(
            "SQLAlchemy URL: a SQLite file by default, postgresql+psycopg://... in production, "
            "or mysql+pymysql://... (MySQL 8, MariaDB 10.11+). DATABASE_URL is read when "
            "ARENA_DATABASE_URL is unset."
        ),
    )
    # SQLAlchemy's own pool defaults; PostgreSQL and MySQL/MariaDB only (SQLite keeps its own).
    db_pool_size: int = Field(
        default=5, ge=1, le=1_000,
        description="Connections each process keeps open to a PostgreSQL or MySQL server.",
    )  # fmt: skip
    db_max_overflow: int = Field(
        default=10, ge=0, le=1_000,
        description="Extra connections a process may open beyond the pool when it is busy; "
        "they are closed once returned.",
    )  # fmt: skip
    db_pool_timeout_s: float = Field(
        default=30.0, gt=0, le=3_600,
        description="How long a call waits for a free pooled connection before failing.",
    )  # fmt: skip
    db_connect_timeout_s: int = Field(
        default=10, ge=2, le=600,
        description="How long opening a connection to the server may take (whole seconds, "
        "at least 2: libpq's minimum).",
    )  # fmt: skip
    log_level: str = Field(default="WARNING", description="Python logging level.")
    config_file: Path | None = Field(
        default=None,
        description="A TOML file of tunable defaults ([risk] limits, [regime] thresholds, "
        "[portfolio] scoring) over the built-in ones; a season's preset and file override it, "
        "and a new season or backtest keeps the values it was created with.",
    )
    exchange_base_url: str | None = Field(
        default=None,
        description="Send every exchange REST call to this base URL instead (a mirror or proxy).",
    )
    exchange_timeout_s: float = Field(default=15.0, gt=0, le=300)
    exchange_clock_sync_s: float = Field(
        default=10.0, ge=0, le=3600,
        description="A live season follows the exchange's clock: how often its offset from "
        "this machine's clock is measured again (0: at every reading).",
    )  # fmt: skip
    exchange_max_retries: int = Field(default=5, ge=0, le=20)
    exchange_retry_base_s: float = Field(
        default=1.0, ge=0, le=60, description="First back-off delay; doubles on every retry."
    )
    exchange_rate_limit_ms: int | None = Field(
        default=None, ge=0, description="Minimum delay between requests; CCXT's default if unset."
    )
    coingecko_base_url: str | None = Field(
        default=None,
        description="Send CoinGecko calls here instead of its public (or, with a pro key, its "
        "pro) API root, e.g. a mirror or a test server.",
    )
    coingecko_api_key: SecretStr | None = Field(
        default=None, description="Optional CoinGecko API key; never logged or printed."
    )
    coingecko_key_type: Literal["demo", "pro"] = Field(
        default="demo", description="Which CoinGecko plan the key belongs to (its header)."
    )
    coingecko_calls_per_minute: float = Field(
        default=30.0, ge=0, le=10_000,
        description="Pace of CoinGecko calls, below the plan's limit (0: unpaced).",
    )  # fmt: skip
    coingecko_max_retries: int = Field(
        default=3, ge=0, le=20, description="Retries of a 429 (after its Retry-After) or 5xx."
    )
    coingecko_coins: str = Field(
        default="",
        description="More coins for CoinGecko, as SYMBOL=api-id, comma-separated (PEPE=pepe).",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="Send every LLM request to this OpenAI/Anthropic-compatible base URL instead.",
    )
    llm_timeout_s: float = Field(default=60.0, gt=0, le=600)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    exchange_api_key: SecretStr | None = Field(default=None, description="Only for private calls.")
    exchange_api_secret: SecretStr | None = None
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key that encrypts the stored exchange accounts' API keys and remote "
        "agents' signing secrets; make one with `arena account new-key`. Without it no account "
        "can be added or used, and no remote agent registered or asked.",
    )
    trading_enabled: bool = Field(
        default=False,
        description="Allow sending orders to real exchange accounts (testnet/demo ones too); "
        "nothing is ever sent to an exchange account while this is false.",
    )
    trading_dry_run: bool = Field(
        default=False,
        description="Run live seasons against their real accounts but send nothing: every "
        "order is logged exactly and recorded as refused (needs no ARENA_TRADING_ENABLED).",
    )

    api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token every API write needs; with none set the API is read-only.",
    )
    disabled_strategies: str = Field(
        default="",
        description="Comma-separated library strategies that new agents, backtests and "
        "seasons may not use (`martingale,grid`); stored results that used them stay readable.",
    )
    api_cors_origins: str = Field(
        default="", description="Comma-separated origins a browser may call the API from."
    )
    api_public_reads: bool = Field(
        default=False,
        description="Serve reads without the token to clients beyond loopback too.",
    )
    api_max_body_bytes: int = Field(default=1_048_576, ge=1_024, le=104_857_600)
    api_writes_per_minute: int = Field(
        default=120, ge=1, le=100_000, description="Per client; more get 429."
    )
    api_allowed_hosts: str = Field(
        default="",
        description="Comma-separated names the server answers to (the Host header) besides "
        "localhost, 127.0.0.1, [::1] and the address it is bound to; `*.example.com` for "
        "subdomains, `*` for any name. Other Hosts get 400 (DNS rebinding).",
    )
    api_auth_max_failures: int = Field(
        default=10, ge=1, le=10_000,
        description="Wrong tokens one client may send per `api_auth_window_s` (HTTP and "
        "WebSocket together); after that it gets 429 until the window has passed.",
    )  # fmt: skip
    api_auth_window_s: float = Field(default=60.0, gt=0, le=86_400)
    api_live_poll_s: float = Field(
        default=1.0, ge=1.0, le=3600,
        description="How often a live feed re-reads a season that is not running in this "
        "server (`arena season run` elsewhere, a paused season); the embedded runner's "
        "commits reach subscribers at once. Finished seasons are never re-read.",
    )  # fmt: skip
    api_embedded_runner: bool = Field(
        default=True, description="Drive running seasons inside `arena serve`."
    )
    season_lease_s: float = Field(
        default=30.0, ge=1, le=3600,
        description="How long a season runner's lease lasts unless renewed (it renews it every "
        "third of this); another process may take a season over only once its lease expired.",
    )  # fmt: skip
    season_commit_batch: int = Field(
        default=64, ge=1, le=10_000,
        description="At most this many ticks of a replay (or of a paper season catching up) "
        "are committed in one transaction, at most 0.2 s apart; a live season commits each "
        "tick. Larger is faster; a crash loses only the uncommitted ticks (re-executed).",
    )  # fmt: skip

    broker_url: SecretStr | None = Field(
        default=None,
        description="Redis URL of the Celery broker and result store (redis://host:6379/0). "
        "Unset: everything runs in one process; set: seasons, backtests, sweeps and scheduled "
        "jobs run in `arena worker` processes, scheduled by `arena scheduler`.",
    )
    worker_season_poll_s: float = Field(
        default=5.0, gt=0, le=3600,
        description="How often the scheduler hands running seasons nobody runs to a worker.",
    )  # fmt: skip
    worker_price_refresh_s: float = Field(
        default=30.0, gt=0, le=86_400,
        description="How often the scheduler refreshes the prices of the ingested series.",
    )  # fmt: skip
    worker_ingest_series: str = Field(
        default="",
        description="Series the scheduler ingests at each bar close: EXCHANGE SYMBOL TIMEFRAME, "
        "comma-separated, e.g. 'binanceusdm BTC/USDT:USDT 1h, okx ETH/USDT:USDT 15m'.",
    )
    worker_ingest_every_s: float = Field(
        default=60.0, gt=0, le=86_400,
        description="How often the scheduler ingests the series: each run stores the bars that "
        "closed since the newest stored one, so a bar is stored within this of its close.",
    )  # fmt: skip
    worker_integrity_hour: int = Field(
        default=3, ge=0, le=23, description="The UTC hour of the scheduler's daily integrity scan."
    )

    @field_validator("log_level")
    @classmethod
    def _known_log_level(cls, value: str) -> str:
        if value.upper() not in _LOG_LEVELS:
            raise ValueError(
                f"{value!r} is not a logging level; use one of {', '.join(_LOG_LEVELS)}"
            )
        return value.upper()

    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.api_cors_origins.split(",") if origin.strip()]

    def allowed_hosts(self) -> list[str]:
        return [host.strip() for host in self.api_allowed_hosts.split(",") if host.strip()]

    def sqlite_path(self) -> Path | None:
        """Return the SQLite file path of the database URL, or None for other databases."""
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        path = self.database_url[len(prefix) :]
        return None if path in ("", ":memory:") else Path(path)

    def to_child_json(self) -> str:
        """These settings, secrets included, for a child process of ours to rebuild them with
        ``Settings(**json.loads(text))``: send it through a pipe, never argv or a log."""
        values = self.model_dump(mode="json")
        for name, value in self:  # secrets dump masked: send their values
            if isinstance(value, SecretStr):
                values[name] = value.get_secret_value()
        return json.dumps(values)
