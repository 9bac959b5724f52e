"""A season's configuration: what ``arena season create`` accepts, validated at the boundary."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from alpha_arena.core.errors import InvalidInputError
from alpha_arena.core.time import timeframe_ms, to_iso
from alpha_arena.domain.positions import MarginMode, PositionMode
from alpha_arena.domain.seasons import SeasonMode
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.seasons.profile import Profile, Tables, check_tables, preset, resolve, risk_limits


class SeasonConfig(BaseModel):
    """Everything that defines a season; two replay seasons with equal configurations and
    agents produce equal ledgers.

    ``elimination_threshold`` is a fraction of the initial capital: an entry whose equity falls
    to it or below is eliminated (the default 0 means when all margin is lost). ``min_trades``:
    below it, the leaderboard flags an entry as too few trades to judge. ``margin_mode`` and
    ``position_mode``: how each entry's paper account holds positions (``execution.paper``):
    isolated or cross margin, net positions or a long and a short of a coin at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=128)
    mode: SeasonMode = SeasonMode.REPLAY
    exchange: str = "binance"
    symbols: tuple[str, ...] = Field(min_length=1, max_length=20)
    start: int  # ms since the epoch, UTC
    end: int
    timeframe: str = "1h"  # the decision cadence: one tick per bar
    capital: float = Field(default=10_000.0, gt=0, lt=1e12)
    fee_rate: float | None = Field(default=None, ge=0, lt=0.1)  # None: the instruments' fees
    slippage_bps: float = Field(default=2.0, ge=0, lt=1000)
    margin_mode: MarginMode = MarginMode.ISOLATED
    position_mode: PositionMode = PositionMode.NET
    risk: dict[str, Any] = Field(default_factory=dict)  # RiskLimits fields
    # Tunable defaults (seasons/profile.py) under ``risk``'s single limits: a named preset,
    # then tables of settings ([risk], [regime], [portfolio]) that override its keys.
    risk_preset: str | None = Field(default=None, max_length=32)
    risk_config: dict[str, dict[str, Any]] | None = None
    decision_timeout_s: float = Field(default=60.0, gt=0, le=3600)
    elimination_threshold: float = Field(default=0.0, ge=0, lt=1)
    min_trades: int = Field(default=10, ge=0, le=100_000)
    baselines: bool = True
    participants: tuple[str, ...] = ()  # registered agent names
    accounts: dict[str, str] = Field(default_factory=dict)  # live: participant -> account name
    # The memorization guard (agents/tape.py): LLM-driven agents see coins renamed, times
    # moved and prices rescaled by secrets drawn from ``tape_seed``, which is generated when
    # the season is created and never shown (``public_config``).
    anonymize: bool = False
    tape_seed: str | None = Field(default=None, min_length=16, max_length=128)

    @field_validator("timeframe")
    @classmethod
    def _known_timeframe(cls, value: str) -> str:
        timeframe_ms(value)
        return value

    @field_validator("symbols", "participants")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({item for item in value if value.count(item) > 1})
        if repeated:
            raise ValueError(f"listed twice: {', '.join(repeated)}")
        return value

    def profile_layers(self) -> list[tuple[str, Tables]]:
        """The season's own layers of settings over the built-in defaults, lowest first."""
        layers = []
        if self.risk_preset is not None:
            layers.append((f"preset {self.risk_preset}", preset(self.risk_preset)))
        if self.risk_config:
            layers.append(("season risk_config", self.risk_config))
        return layers

    def profile(self) -> Profile:
        """The season's risk defaults, regime thresholds and portfolio scoring."""
        return resolve(self.profile_layers())

    def limits(self) -> RiskLimits:
        return risk_limits(self.profile(), self.risk)

    @property
    def step_ms(self) -> int:
        return timeframe_ms(self.timeframe)


MAX_TICKS = 1_000_000
#: The secret of an anonymized season's tape: stored with the season, kept from every reader.
SECRET_FIELDS = ("tape_seed",)


def public_config(config: dict[str, Any]) -> dict[str, Any]:
    """A stored season configuration as it may be shown (API, CLI, exports): no secrets."""
    return {key: value for key, value in config.items() if key not in SECRET_FIELDS}


def parse_season_config(values: dict[str, Any]) -> SeasonConfig:
    """Validate a season configuration; a problem becomes one line naming the field."""
    try:
        config = SeasonConfig.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "configuration"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InvalidInputError(f"season {where}: {message}") from None
    except InvalidInputError as error:  # raised inside a validator (an unknown timeframe)
        raise InvalidInputError(f"season: {error}") from None
    if config.mode is SeasonMode.LIVE:
        if config.margin_mode is not MarginMode.ISOLATED or (
            config.position_mode is not PositionMode.NET
        ):
            raise InvalidInputError(
                "season margin_mode: a live season trades isolated margin and net positions "
                "(cross margin and hedge mode are paper-venue options for now)"
            )
        _check_live(config)
    elif config.accounts:
        raise InvalidInputError("season accounts: only a live season trades on exchange accounts")
    if config.start >= config.end:
        raise InvalidInputError(
            f"season start {to_iso(config.start)} is not before its end {to_iso(config.end)}"
        )
    if (config.end - config.start) // config.step_ms > MAX_TICKS:
        raise InvalidInputError(
            f"season of more than {MAX_TICKS:,} {config.timeframe} ticks; shorten it or use a "
            "longer timeframe"
        )
    if config.risk_preset is not None:
        preset(config.risk_preset)  # a name that is no preset
    if config.risk_config is not None:
        check_tables(config.risk_config, "season risk_config")
    config.limits()  # unknown or out-of-range limits
    return config


#: Risk limits a live season must set: what one position and the whole entry may hold, and the
#: daily loss at which the entry stops opening positions (all checked before the exchange call).
LIVE_LIMITS = ("max_position_notional", "max_total_exposure", "daily_loss_limit")


def _check_live(config: SeasonConfig) -> None:
    """A live season: every participant on its own exchange account, no baselines (they would
    need accounts of their own), and its exposure capped."""
    if config.baselines:
        raise InvalidInputError(
            "season baselines: a live season trades real accounts and its baselines would need "
            "accounts too; create it without baselines (--no-baselines)"
        )
    if not config.participants:
        raise InvalidInputError("season participants: a live season needs at least one")
    missing = [name for name in config.participants if name not in config.accounts]
    if missing:
        raise InvalidInputError(
            f"season accounts: no exchange account for {', '.join(missing)}; bind each "
            "participant to its own account (--account NAME=ACCOUNT)"
        )
    stray = [name for name in config.accounts if name not in config.participants]
    if stray:
        raise InvalidInputError(f"season accounts: {', '.join(stray)} is not a participant")
    shared = sorted(
        {a for a in config.accounts.values() if list(config.accounts.values()).count(a) > 1}
    )
    if shared:
        raise InvalidInputError(
            f"season accounts: {', '.join(shared)} is bound to several participants; each "
            "needs its own account (isolated capital)"
        )
    limits = config.limits()
    unset = [name for name in LIVE_LIMITS if getattr(limits, name) is None]
    if unset:
        raise InvalidInputError(
            f"season risk: a live season must set {', '.join(unset)} (e.g. --risk "
            "max_position_notional=2000 --risk max_total_exposure=5000 "
            "--risk daily_loss_limit=0.05)"
        )
