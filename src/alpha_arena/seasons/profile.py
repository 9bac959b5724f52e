"""Trading profiles: the tunable defaults of a season or a backtest, in three tables.

- ``[risk]``: the default risk limits (``risk.limits.RiskLimits``);
- ``[regime]``: the regime classifier's thresholds (``strategies.regime.RegimeThresholds``);
- ``[portfolio]``: how the portfolio agent turns scores into weights
  (``agents.portfolio.PortfolioScoring``).

They come in layers, each overriding the keys it sets (later wins): the built-in defaults
(today's values), the file named by ``ARENA_CONFIG_FILE``, a named preset (``--risk-preset``),
a season's or backtest's own file (``--risk-config``), then single ``--risk NAME=VALUE``
limits. A file is TOML with the tables above; a key left out is inherited."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alpha_arena.agents.portfolio import PortfolioScoring
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.risk.limits import RiskLimits
from alpha_arena.strategies.regime import RegimeThresholds

#: The highest leverage any supported exchange offers; beyond it a limit means nothing.
MAX_LEVERAGE = 125.0
#: Above any account's notional: a larger cap is a typo.
MAX_NOTIONAL = 1e12


class _Table(BaseModel):
    # Strict: a string where a number belongs is refused, not cast (TOML and JSON alike).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class RiskTable(_Table):
    """The default risk limits; see ``RiskLimits`` for what each one does."""

    max_leverage: float = Field(default=10.0, ge=1, le=MAX_LEVERAGE)
    max_position_notional: float | None = Field(default=None, gt=0, le=MAX_NOTIONAL)
    max_total_exposure: float | None = Field(default=None, gt=0, le=1_000)
    min_confidence: float = Field(default=0.0, ge=0, le=1)
    allow_pyramiding: bool = False
    require_stop_loss: bool = False
    daily_loss_limit: float | None = Field(default=None, gt=0, le=1)


class RegimeTable(_Table):
    """The regime classifier's thresholds (``strategies.regime``)."""

    trend_adx: float = Field(default=25.0, gt=0, le=100)
    squeeze_percentile: float = Field(default=20.0, gt=0, le=100)
    window: int = Field(default=200, ge=2, le=10_000)

    def thresholds(self) -> RegimeThresholds:
        return RegimeThresholds(self.trend_adx, self.squeeze_percentile, self.window)


class PortfolioTable(_Table):
    """How the portfolio agent weights the strategies it learned scores for."""

    min_score: float = Field(default=0.0, ge=0, le=10)
    weighting: Literal["score", "equal"] = "score"

    def scoring(self) -> PortfolioScoring:
        return PortfolioScoring(self.min_score, self.weighting)


class Profile(_Table):
    """The three tables, each key at its effective value."""

    risk: RiskTable = RiskTable()
    regime: RegimeTable = RegimeTable()
    portfolio: PortfolioTable = PortfolioTable()


TABLES: dict[str, type[_Table]] = {
    "risk": RiskTable,
    "regime": RegimeTable,
    "portfolio": PortfolioTable,
}
#: Tables as given: table -> key -> value, only the keys set.
Tables = dict[str, dict[str, Any]]

#: Named presets, each as the keys it sets. ``default`` sets none: today's values.
PRESETS: dict[str, Tables] = {
    "default": {},
    # The seeds' conservative defaults.
    "conservative": {
        "risk": {"max_leverage": 3.0, "min_confidence": 0.6, "max_position_notional": 20_000.0}
    },
}


def check_tables(values: object, where: str) -> Tables:
    """Validate tables as given (a parsed file, an API body): known tables and keys, values of
    the right type and range. A problem raises one line naming ``where`` and the key."""
    if not isinstance(values, Mapping):
        raise InvalidInputError(f"{where}: expected tables [risk], [regime], [portfolio]")
    unknown = sorted(str(name) for name in values if name not in TABLES)
    if unknown:
        raise InvalidInputError(
            f"{where}: unknown table {', '.join(unknown)}; accepted: {', '.join(TABLES)}"
        )
    checked: Tables = {}
    for name, table in values.items():
        if not isinstance(table, Mapping):
            raise InvalidInputError(f"{where}: {name} must be a table of settings")
        model = TABLES[name]
        stray = sorted(str(key) for key in table if key not in model.model_fields)
        if stray:
            raise InvalidInputError(
                f"{where}: unknown key {name}.{', '.join(stray)}; accepted: "
                + ", ".join(model.model_fields)
            )
        try:
            model.model_validate(dict(table))
        except ValidationError as error:
            first = error.errors()[0]
            key = ".".join(str(part) for part in first["loc"])
            raise InvalidInputError(
                f"{where}: {name}.{key} = {first.get('input')!r}: {first['msg']}"
            ) from None
        checked[name] = dict(table)
    return checked


def read_file(path: Path, where: str = "risk config") -> Tables:
    """The tables of a TOML file, validated; any problem is one line naming the file."""
    label = f"{where} {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"{label}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"{label}: cannot be read ({error})") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(f"{label}: not valid TOML: {error}") from None
    return check_tables(values, label)


def preset(name: str) -> Tables:
    """A named preset's tables."""
    if name not in PRESETS:
        raise InvalidInputError(f"unknown risk preset {name!r}; accepted: {', '.join(PRESETS)}")
    return PRESETS[name]


def merge(*layers: Mapping[str, Mapping[str, Any]]) -> Tables:
    """Tables of several layers in one, a later layer's keys overriding an earlier's."""
    merged: Tables = {}
    for layer in layers:
        for name, table in layer.items():
            merged.setdefault(name, {}).update(table)
    return merged


@dataclass(frozen=True, slots=True)
class Setting:
    """One effective setting and the layer it came from."""

    table: str
    key: str
    value: Any
    source: str  # "default", or the layer's name (a file, a preset, --risk)


def resolve(layers: Sequence[tuple[str, Mapping[str, Mapping[str, Any]]]]) -> Profile:
    """The profile of named layers over the built-in defaults."""
    return Profile.model_validate(merge(*(tables for _, tables in layers)))


def explain(layers: Sequence[tuple[str, Mapping[str, Mapping[str, Any]]]]) -> list[Setting]:
    """Every setting of the profile of ``layers``, with the layer that set it."""
    profile = resolve(layers)
    settings = []
    for name, model in TABLES.items():
        table = getattr(profile, name)
        for key in model.model_fields:
            source = "default"
            for layer_name, tables in layers:
                if key in tables.get(name, {}):
                    source = layer_name
            settings.append(Setting(name, key, getattr(table, key), source))
    return settings


def risk_limits(profile: Profile, overrides: Mapping[str, object] | None = None) -> RiskLimits:
    """The profile's risk limits, single limits in ``overrides`` (``--risk``) replacing
    theirs; those are checked by ``RiskLimits`` itself, as they always were."""
    values: dict[str, object] = profile.risk.model_dump()
    return RiskLimits.from_mapping({**values, **(overrides or {})})
