"""What a sweep's chunks carry: a point survives Celery's JSON exactly (every float to the bit,
the non-finite ones too), and a grid splits into contiguous, even chunks in grid order."""

from __future__ import annotations

import dataclasses
import json
import math
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from kombu.utils.json import dumps, loads

from alpha_arena.analytics.metrics import Metrics
from alpha_arena.analytics.overfitting import ReturnSummary, summarize
from alpha_arena.backtest.sweep import SweepPoint
from alpha_arena.services.workers import WorkerInfo, WorkersStatus
from alpha_arena.worker.sweeps import CHUNKS_PER_SLOT, decode_point, encode_point, slots_of, split

FIELDS = dataclasses.fields(Metrics)


def point(value: float, whole: int) -> SweepPoint:
    values: dict[str, object] = {}
    for field in FIELDS:
        kind = str(field.type)
        values[field.name] = whole if kind.startswith("int") else value
    return SweepPoint((("fast", "12"), ("slow", "26")), Metrics(**values))  # type: ignore[arg-type]


def bits(item: SweepPoint) -> tuple[object, ...]:
    return item.params, tuple(
        (type(v).__name__, v.hex() if isinstance(v, float) else v)
        for v in item.metrics.as_dict().values()
    )


def through_celery(item: SweepPoint) -> SweepPoint:
    """What the worker sends and the sender reads: kombu's JSON, as Celery's serializer uses."""
    return decode_point(loads(dumps({"points": [encode_point(item)]}))["points"][0])


@pytest.mark.parametrize(
    "value",
    [0.1 + 0.2, 1 / 3, -0.0, 5e-324, sys.float_info.max, math.nan, math.inf, -math.inf],
)
def test_a_point_survives_the_json_of_a_chunk_bit_for_bit(value: float) -> None:
    original = point(value, 2**53 + 1)
    assert bits(through_celery(original)) == bits(original)


@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**63), 2**63 - 1))
def test_any_float_and_int_survive_the_json_of_a_chunk(value: float, whole: int) -> None:
    original = point(value, whole)
    assert bits(through_celery(original)) == bits(original)


def test_the_json_of_a_chunk_is_strict_json() -> None:
    # Non-finite floats travel as strings: any JSON reader takes the message.
    json.loads(json.dumps(encode_point(point(math.nan, 1)), allow_nan=False))


@pytest.mark.parametrize(("items", "slots"), [(38, 2), (1000, 4), (3, 2), (1, 8), (8, 2)])
def test_a_grid_splits_into_even_contiguous_chunks_in_order(items: int, slots: int) -> None:
    chunks = split(list(range(items)), slots)
    assert [item for chunk in chunks for item in chunk] == list(range(items))
    assert len(chunks) == min(items, CHUNKS_PER_SLOT * slots)
    sizes = {len(chunk) for chunk in chunks}
    assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1


def test_only_workers_taking_the_jobs_queue_count_as_slots() -> None:
    status = WorkersStatus("redis://h:6379/0", True, [
        WorkerInfo("a@h", 3, ["jobs", "seasons"], []),
        WorkerInfo("b@h", None, ["jobs"], []),
        WorkerInfo("c@h", 8, ["seasons"], []),
    ])  # fmt: skip
    assert slots_of(status) == {"a@h": 3, "b@h": 1}


def test_a_points_return_summary_survives_the_json_of_a_chunk_bit_for_bit() -> None:
    returns = np.random.default_rng(4).normal(0.0, 0.01, 200)
    returns[:3] = [0.1 + 0.2, -0.0, 5e-324]
    original = dataclasses.replace(point(1 / 3, 7), summary=summarize(returns))
    flat = dataclasses.replace(point(1 / 3, 7), summary=summarize(np.zeros(10)))
    for item in (original, flat):
        back = through_celery(item)
        assert back.summary is not None and item.summary is not None
        assert summary_bits(back.summary) == summary_bits(item.summary)
    assert flat.summary is not None and flat.summary.sharpe is None


def summary_bits(summary: ReturnSummary) -> tuple[object, ...]:
    return tuple(
        value.hex() if isinstance(value, float) else
        tuple(v.hex() if isinstance(v, float) else v for v in value)
        if isinstance(value, tuple) else value
        for value in dataclasses.astuple(summary)
    )  # fmt: skip
