"""The shipped prompts: the default and the competition modes, each a variant of the default."""

from __future__ import annotations

import dataclasses
import difflib

import pytest

from alpha_arena.agents.llm.prompts import (
    DEFAULT_PROMPT,
    MODES,
    competition_mode,
    default_template,
    render,
    sample_context,
    shipped_prompt,
    validate_template,
)
from alpha_arena.core.errors import InvalidInputError

RIVALS = ("rival-model", "btc-buy-and-hold")


@pytest.mark.parametrize("name", list(MODES))
def test_every_mode_is_a_valid_template_that_renders_the_sample(name: str) -> None:
    template = competition_mode(name).template()
    validate_template(template)
    prompt = render(template, sample_context(), max_leverage=10, leverage_cap=5)
    assert "You are an autonomous trader" in prompt.system
    assert "=== BTC/USDT:USDT ===" in prompt.user and "=== Your account ===" in prompt.user


def test_the_baseline_mode_is_the_default_prompt_unchanged() -> None:
    baseline = competition_mode("baseline")
    assert baseline.prompt == DEFAULT_PROMPT and baseline.template() == default_template()
    assert shipped_prompt(DEFAULT_PROMPT) == (default_template(), "shipped default")
    # The default shows no standings: a context carrying them renders exactly as before.
    context = sample_context()
    assert render(default_template(), context) == render(
        default_template(), dataclasses.replace(context, standings=())
    )


@pytest.mark.parametrize("name", [name for name in MODES if name != "baseline"])
def test_a_mode_adds_lines_to_the_default_and_changes_none(name: str) -> None:
    mode = competition_mode(name)
    assert mode.prompt == name
    template, description = shipped_prompt(name) or ("", "")
    assert template == mode.template() and description == f"mode: {mode.description}"
    diff = list(difflib.ndiff(default_template().splitlines(), template.splitlines()))
    assert not [line for line in diff if line.startswith("- ")]
    added = [line[2:] for line in diff if line.startswith("+ ") and line[2:].strip()]
    assert added[0].startswith(f"Competition mode: {name.replace('_', ' ')}.")


def test_situational_awareness_shows_the_standings_with_the_own_row_marked() -> None:
    template = competition_mode("situational_awareness").template()
    user = render(template, sample_context()).user
    assert user.endswith(
        "=== Standings (ranked by account value) ===\n"
        "1. rival-model: return 2.10%, account value 10210.00\n"
        "2. sample-agent (you): return 0.55%, account value 10055.00\n"
        "3. btc-buy-and-hold: return -0.80%, account value 9920.00\n"
    )
    empty = render(template, dataclasses.replace(sample_context(), standings=())).user
    assert empty.endswith("no standings yet\n")


@pytest.mark.parametrize("name", [name for name in MODES if name != "situational_awareness"])
def test_the_other_modes_show_no_standings(name: str) -> None:
    prompt = render(competition_mode(name).template(), sample_context())
    text = prompt.system + prompt.user
    assert "Standings" not in text and not any(rival in text for rival in RIVALS)


def test_max_leverage_asks_for_the_lower_of_the_agents_and_the_seasons_cap() -> None:
    template = competition_mode("max_leverage").template()
    season_lower = render(template, sample_context(), max_leverage=20, leverage_cap=5).system
    assert "the highest leverage allowed here, 5x, never less" in season_lower
    assert "a move of 20.0% against you" in season_lower
    agent_lower = render(template, sample_context(), max_leverage=3, leverage_cap=10).system
    assert "the highest leverage allowed here, 3x" in agent_lower
    no_season = render(template, sample_context(), max_leverage=12.5).system
    assert "the highest leverage allowed here, 12.5x" in no_season


def test_capital_preservation_caps_leverage_at_three_or_lower() -> None:
    template = competition_mode("capital_preservation").template()
    assert "at most 3x" in render(template, sample_context(), max_leverage=10).system
    assert "at most 2x" in render(template, sample_context(), leverage_cap=2).system
    assert "cash is a position" in render(template, sample_context()).system


def test_an_unknown_mode_is_one_line_naming_the_modes() -> None:
    with pytest.raises(InvalidInputError) as raised:
        competition_mode("yolo")
    message = str(raised.value)
    assert "\n" not in message and "unknown mode 'yolo'" in message
    assert all(name in message for name in MODES)
    assert shipped_prompt("my_own_prompt") is None
