"""quick_init gives a frozen, slotted dataclass the same __init__ (signature, defaults, checks,
the resulting value) as the one dataclasses generates, and refuses what it does not reproduce."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from dataclasses import dataclass, field

import pytest

from alpha_arena.core.values import quick_init
from alpha_arena.domain.decisions import Decision, SymbolDecision
from alpha_arena.domain.fills import Fill
from alpha_arena.domain.orders import Order, OrderEvent
from alpha_arena.domain.positions import ExitPlan, Position
from alpha_arena.domain.trades import Trade
from alpha_arena.engine.participant import StepView
from alpha_arena.risk.checks import RiskContext, RiskVerdict


@dataclass(frozen=True, slots=True)
class Plain:
    name: str
    size: float = 1.0
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError("size must not be negative")


@quick_init
@dataclass(frozen=True, slots=True)
class Quick:
    name: str
    size: float = 1.0
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError("size must not be negative")


def test_the_quick_init_builds_the_value_the_generated_one_does() -> None:
    for args, kwargs in ((("a",), {}), (("b", 2.5), {}), (("c",), {"tags": ("x",)})):
        plain, quick = Plain(*args, **kwargs), Quick(*args, **kwargs)  # type: ignore[arg-type]
        assert dataclasses.astuple(plain) == dataclasses.astuple(quick)
    assert str(inspect.signature(Quick)) == str(inspect.signature(Plain))
    assert Quick("a") == Quick(name="a", size=1.0) and hash(Quick("a")) == hash(Quick("a"))
    assert pickle.loads(pickle.dumps(Quick("p", 3.0))) == Quick("p", 3.0)


def test_post_init_still_checks_and_the_value_stays_frozen() -> None:
    with pytest.raises(ValueError, match="negative"):
        Quick("a", -1.0)
    with pytest.raises(TypeError):
        Quick()  # type: ignore[call-arg]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Quick("a").size = 2.0  # type: ignore[misc]


def test_what_it_cannot_reproduce_is_refused() -> None:
    with pytest.raises(TypeError, match="plain fields"):

        @quick_init
        @dataclass(frozen=True, slots=True)
        class WithFactory:
            items: list[int] = field(default_factory=list)

    with pytest.raises(TypeError, match="not a frozen dataclass"):

        @quick_init
        @dataclass(slots=True)
        class Mutable:
            size: float


QUICK = (Order, OrderEvent, Fill, ExitPlan, Position, SymbolDecision, Decision, StepView, Trade)


@pytest.mark.parametrize("cls", [*QUICK, RiskContext, RiskVerdict])
def test_every_quick_value_keeps_its_fields_as_parameters(cls: type) -> None:
    parameters = inspect.signature(cls).parameters
    fields = dataclasses.fields(cls)
    assert list(parameters) == [item.name for item in fields]
    for item in fields:
        default = parameters[item.name].default
        expected = inspect.Parameter.empty if item.default is dataclasses.MISSING else item.default
        assert default == expected
