"""The LLM participant's own bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest

from alpha_arena.agents.llm.participant import sharpe_so_far


def test_sharpe_so_far_by_hand() -> None:
    assert sharpe_so_far([100.0, 110.0]) is None
    assert sharpe_so_far([100.0, 110.0, 121.0]) is None  # +10% twice: no spread
    returns = np.array([0.10, -0.10])
    assert sharpe_so_far([100.0, 110.0, 99.0]) == pytest.approx(
        returns.mean() / returns.std(ddof=1)
    )
