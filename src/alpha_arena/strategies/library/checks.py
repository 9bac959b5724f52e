"""Validation shared by the strategies' parameter classes: one-line ``InvalidInputError``s."""

from __future__ import annotations

import math

from alpha_arena.core.errors import InvalidInputError


def check_period(name: str, value: int, minimum: int = 2) -> None:
    """Reject a bar count that is not a whole number of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInputError(
            f"{name} must be a whole number of at least {minimum}, got {value!r}"
        )


def check_number(name: str, value: float) -> None:
    """Reject a value that is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"{name} must be a finite number, got {value!r}")


def check_flag(name: str, value: bool) -> None:
    if not isinstance(value, bool):
        raise InvalidInputError(f"{name} must be true or false, got {value!r}")


def check_less(lower_name: str, lower: float, upper_name: str, upper: float) -> None:
    """Reject ``lower >= upper`` naming both parameters and their values."""
    if not lower < upper:
        raise InvalidInputError(f"{lower_name} ({lower}) must be less than {upper_name} ({upper})")
