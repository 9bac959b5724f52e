"""Parsing an LLM trader's untrusted answer: every accepted shape becomes a decision, everything
else becomes a one-line error with the field path, and no text whatsoever makes it raise."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alpha_arena.agents.llm.parsing import (
    ParseError,
    ParseResult,
    extract_json,
    parse_decision,
    repair_prompt,
)
from alpha_arena.core.errors import ArenaError
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision

SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT")
TS = 1_704_067_200_000
BTC, ETH, SOL = SYMBOLS

BTC_LONG = {
    "coin": "BTC",
    "signal": "buy_to_enter",
    "quantity": 0.05,
    "leverage": 10,
    "profit_target": 112000.0,
    "stop_loss": 104000.0,
    "invalidation_condition": "4h close below 103500",
    "confidence": 0.72,
    "justification": "Breakout above the range with rising open interest.",
}
ETH_HOLD = {"coin": "ETH", "signal": "hold", "quantity": 0, "justification": "No edge."}
ANSWER = {"reasoning": "BTC breaks out; ETH chops.", "decisions": [BTC_LONG, ETH_HOLD]}
EXPECTED_BTC = SymbolDecision(
    symbol=BTC,
    signal=Signal.BUY_TO_ENTER,
    quantity=0.05,
    leverage=10.0,
    take_profit=112000.0,
    stop_loss=104000.0,
    invalidation="4h close below 103500",
    confidence=0.72,
    justification="Breakout above the range with rising open interest.",
)
EXPECTED_ETH = SymbolDecision(symbol=ETH, signal=Signal.HOLD, justification="No edge.")


def parse(text: str) -> ParseResult:
    return parse_decision(text, SYMBOLS, TS)


def decision_of(text: str) -> Decision:
    result = parse(text)
    assert result.error is None, result.error
    assert result.decision is not None
    assert result.ok
    return result.decision


def error_of(text: str) -> str:
    result = parse(text)
    assert result.decision is None, result.decision
    assert not result.ok
    assert result.error is not None
    assert "\n" not in result.error
    return result.error


def one(decisions: Sequence[Mapping[str, object]] | Mapping[str, object]) -> str:
    return json.dumps({"decisions": decisions})


# --- accepted shapes -------------------------------------------------------------------------


def test_canonical_answer_maps_every_field_onto_the_domain_decision() -> None:
    decision = decision_of(json.dumps(ANSWER))
    assert decision == Decision(
        ts=TS, actions=(EXPECTED_BTC, EXPECTED_ETH), reasoning="BTC breaks out; ETH chops."
    )


def test_decisions_keyed_by_coin_take_the_symbol_from_the_key() -> None:
    btc = {key: value for key, value in BTC_LONG.items() if key != "coin"}
    decision = decision_of(json.dumps({"decisions": {"BTC": btc, "ETH": ETH_HOLD}}))
    assert decision.actions == (EXPECTED_BTC, EXPECTED_ETH)


def test_nof1_top_level_mapping_with_trade_signal_args_is_unwrapped() -> None:
    text = json.dumps(
        {"BTC": {"trade_signal_args": BTC_LONG}, "ETH": {"trade_signal_args": ETH_HOLD}}
    )
    assert decision_of(text).actions == (EXPECTED_BTC, EXPECTED_ETH)


def test_bare_list_and_single_object_are_accepted() -> None:
    assert decision_of(json.dumps([BTC_LONG, ETH_HOLD])).actions == (EXPECTED_BTC, EXPECTED_ETH)
    assert decision_of(json.dumps(BTC_LONG)).actions == (EXPECTED_BTC,)


def test_full_symbol_and_exchange_spellings_resolve_to_the_allowed_symbol() -> None:
    for spelling in ("BTC/USDT:USDT", "btc", "BTCUSDT", "BTC-USDT", "BTC/USDT", " btc_usdt "):
        decision = decision_of(one([{"symbol": spelling, "signal": "hold"}]))
        assert decision.actions[0].symbol == BTC, spelling


def test_empty_decision_list_is_a_valid_decision_to_do_nothing() -> None:
    assert decision_of('{"reasoning": "flat", "decisions": []}').actions == ()


def test_coins_left_out_are_simply_absent() -> None:
    assert [a.symbol for a in decision_of(one([ETH_HOLD])).actions] == [ETH]


@pytest.mark.parametrize(
    ("word", "signal"),
    [
        ("BUY_TO_ENTER", Signal.BUY_TO_ENTER),
        ("buy", Signal.BUY_TO_ENTER),
        ("Long", Signal.BUY_TO_ENTER),
        ("go long", Signal.BUY_TO_ENTER),
        ("sell", Signal.SELL_TO_ENTER),
        ("SHORT", Signal.SELL_TO_ENTER),
        ("sell-to-enter", Signal.SELL_TO_ENTER),
        ("exit", Signal.CLOSE),
        ("close_position", Signal.CLOSE),
        ("Close", Signal.CLOSE),
        ("wait", Signal.HOLD),
        ("none", Signal.HOLD),
        (" HOLD ", Signal.HOLD),
    ],
)
def test_signal_synonyms_in_any_case_map_to_the_four_signals(word: str, signal: Signal) -> None:
    action = decision_of(one([{"coin": "SOL", "signal": word, "notional": 250}])).actions[0]
    assert action.signal is signal


def test_hold_and_close_carry_no_size_even_when_one_is_written() -> None:
    text = one(
        [
            {"coin": "BTC", "signal": "close", "quantity": 0.3},
            {"coin": "ETH", "signal": "hold", "notional": 500, "leverage": 0},
        ]
    )
    close, hold = decision_of(text).actions
    assert (close.quantity, close.notional) == (None, None)
    assert (hold.quantity, hold.notional, hold.leverage) == (None, None, 1.0)


def test_notional_and_its_usd_size_alias_set_the_notional() -> None:
    for key in ("notional", "usd_size"):
        action = decision_of(one([{"coin": "BTC", "signal": "long", key: 1500}])).actions[0]
        assert (action.quantity, action.notional) == (None, 1500.0)


@pytest.mark.parametrize(
    ("written", "expected"), [(0.8, 0.8), (1, 1.0), (0, 0.0), (85, 0.85), (100, 1.0), ("65%", 0.65)]
)
def test_confidence_accepts_fractions_and_percentages(written: object, expected: float) -> None:
    action = decision_of(one([{"coin": "BTC", "signal": "hold", "confidence": written}])).actions[0]
    assert action.confidence == pytest.approx(expected)


def test_numeric_strings_are_read_as_numbers() -> None:
    text = one(
        [
            {
                "coin": "BTC",
                "signal": "buy",
                "quantity": "0.05",
                "leverage": "10",
                "stop_loss": "$104000",
                "profit_target": " 112000 ",
            }
        ]
    )
    action = decision_of(text).actions[0]
    assert (action.quantity, action.leverage, action.stop_loss, action.take_profit) == (
        0.05,
        10.0,
        104000.0,
        112000.0,
    )


@pytest.mark.parametrize(
    ("field", "written"),
    [("quantity", "5%"), ("quantity", "$100"), ("leverage", "10x"), ("confidence", "$1")],
)
def test_units_are_read_only_where_they_mean_something(field: str, written: str) -> None:
    entry = {"coin": "BTC", "signal": "buy", "notional": 100, field: written}
    if field == "quantity":
        del entry["notional"]
    assert error_of(one([entry])) == (
        f"decisions[0] (BTC).{field}: expected a number, got {written!r}"
    )


def test_percentage_string_above_one_hundred_is_an_error() -> None:
    text = one([{"coin": "BTC", "signal": "hold", "confidence": "150%"}])
    assert error_of(text) == (
        "decisions[0] (BTC).confidence: a percentage must be in 0..100, got '150%'"
    )


def test_unknown_keys_are_ignored() -> None:
    text = one([{**BTC_LONG, "risk_usd": 300, "mood": "bullish"}])
    assert decision_of(text).actions == (EXPECTED_BTC,)


def test_absurd_leverage_is_left_for_risk_to_clamp() -> None:
    action = decision_of(one([{**BTC_LONG, "leverage": 500}])).actions[0]
    assert action.leverage == 500.0


# --- finding the JSON ------------------------------------------------------------------------


def test_json_fence_in_prose_is_found() -> None:
    text = f"Here is my decision.\n\n```json\n{json.dumps(ANSWER, indent=2)}\n```\nGood luck!"
    assert decision_of(text).actions == (EXPECTED_BTC, EXPECTED_ETH)


def test_last_json_fence_wins_over_an_earlier_draft() -> None:
    draft = one([{"coin": "SOL", "signal": "short", "quantity": 3}])
    text = f"Draft:\n```json\n{draft}\n```\nFinal:\n```JSON\n{json.dumps(ANSWER)}\n```"
    assert decision_of(text).actions == (EXPECTED_BTC, EXPECTED_ETH)


def test_untagged_fence_and_unclosed_fence_are_searched() -> None:
    assert decision_of(f"```\n{json.dumps(ANSWER)}\n```").actions[0] == EXPECTED_BTC
    assert decision_of(f"```json\n{json.dumps(ANSWER)}\n").actions[0] == EXPECTED_BTC


def test_json_in_prose_skips_brackets_that_are_not_json() -> None:
    text = f"Per note [1] and the {{range}} idea, my answer: {json.dumps(ANSWER)} -- done [2]."
    assert decision_of(text).actions == (EXPECTED_BTC, EXPECTED_ETH)


def test_braces_and_escaped_quotes_inside_strings_do_not_confuse_the_scanner() -> None:
    tricky = 'close if {"x": ]} appears; he said "no\\" } ['
    entry = {"coin": "ETH", "signal": "exit", "justification": tricky}
    text = f"Answer: {one([entry])} trailing prose }}"
    assert '\\"x\\": ]}' in text
    assert decision_of(text).actions[0].justification == tricky


def test_object_with_decisions_is_preferred_over_an_earlier_example_object() -> None:
    text = 'Format: {"coin": "SOL", "signal": "long", "quantity": 1}. Mine: ' + json.dumps(ANSWER)
    assert decision_of(text).actions == (EXPECTED_BTC, EXPECTED_ETH)


def test_think_block_is_stripped_and_kept_as_reasoning() -> None:
    thinking = 'Let me weigh {"decisions": []} versus a long...'
    result = parse(f"<think>\n{thinking}\n</think>\n\n{json.dumps(ANSWER)}")
    assert result.decision is not None
    assert result.decision.actions == (EXPECTED_BTC, EXPECTED_ETH)
    assert result.reasoning == f"{thinking}\n\nBTC breaks out; ETH chops."
    assert result.decision.reasoning == result.reasoning


def test_lone_closing_think_tag_makes_everything_before_it_reasoning() -> None:
    result = parse(f'weigh {{"decisions": []}}</think>{json.dumps(ANSWER)}')
    assert result.decision is not None
    assert result.decision.actions == (EXPECTED_BTC, EXPECTED_ETH)
    assert result.reasoning.startswith("weigh")


def test_unterminated_think_block_is_an_error_that_keeps_the_reasoning() -> None:
    result = parse(f"<think>I might answer {json.dumps(ANSWER)} but let me check")
    assert result.decision is None
    assert result.error is not None
    assert "<think>" in result.error
    assert result.reasoning.startswith("I might answer")


def test_extract_json_returns_the_json_text() -> None:
    assert extract_json('<think>{"a": 1}</think> ok ```json\n{"b": [1]}\n```') == '{"b": [1]}'
    assert extract_json('see [1] then [{"signal": "hold"}] end') == '[{"signal": "hold"}]'


@pytest.mark.parametrize("text", ["", "   \n", "no json here at all", "<think>only thoughts"])
def test_extract_json_raises_a_one_line_parse_error_without_json(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        extract_json(text)
    assert isinstance(caught.value, ArenaError)
    assert "\n" not in str(caught.value)


# --- malformed JSON --------------------------------------------------------------------------


def test_empty_output_is_an_error() -> None:
    assert "empty" in error_of("")


def test_missing_closing_brace_is_an_error_not_a_partial_decision() -> None:
    # The inner, complete object must not be mined out of the truncated answer.
    error = error_of('{"decisions": [{"coin": "BTC", "signal": "buy", "quantity": 1}]')
    assert "never closes" in error


def test_truncated_answer_is_an_error() -> None:
    error = error_of(json.dumps(ANSWER)[:-40])
    assert "line 1 column 1" in error


def test_wrong_closing_bracket_is_reported_with_its_position() -> None:
    assert error_of('{"decisions": [1, 2}') == (
        "unbalanced JSON: '}' at line 1 column 20 does not close the '[' before it"
    )


def test_trailing_comma_is_reported_with_its_position() -> None:
    text = '{"decisions": [\n  {"coin": "BTC", "signal": "hold"},\n]}'
    assert error_of(text) == "invalid JSON: trailing comma at line 2 column 36"


def test_single_quotes_are_an_error_quoting_the_place() -> None:
    error = error_of("{'decisions': [{'coin': 'BTC', 'signal': 'hold'}]}")
    assert error.startswith("invalid JSON: Expecting property name enclosed in double quotes")
    assert "line 1 column 2" in error


def test_nan_and_infinity_are_not_numbers() -> None:
    assert "NaN" in error_of('{"decisions": [{"coin": "BTC", "signal": "buy", "quantity": NaN}]}')
    assert "Infinity" in error_of(
        '{"decisions": [{"coin": "BTC", "signal": "buy", "quantity": 1, "leverage": Infinity}]}'
    )


def test_number_literal_overflowing_to_infinity_is_an_error() -> None:
    text = '{"decisions": [{"coin": "BTC", "signal": "buy", "quantity": 1e999}]}'
    assert error_of(text) == "decisions[0] (BTC).quantity: Input should be a finite number"


def test_deeply_nested_json_is_an_error() -> None:
    assert "nested too deeply" in error_of("[" * 50_000 + "]" * 50_000)


def test_a_megabyte_of_prose_without_json_is_a_one_line_error() -> None:
    prose = 'The market {maybe} goes up [citation needed] or "down". ' * 20_000
    assert len(prose) > 1_000_000
    assert error_of(prose).startswith("no JSON object found")


def test_a_megabyte_of_unclosed_json_is_a_one_line_error() -> None:
    assert "never closes" in error_of('{"decisions": [' + '{"a": "b\\"", ' * 80_000)


# --- wrong fields ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            {"coin": "BTC", "signal": "buy", "quantity": "lots"},
            "decisions[0] (BTC).quantity: expected a number, got 'lots'",
        ),
        (
            {"coin": "BTC", "signal": "buy", "quantity": True},
            "decisions[0] (BTC).quantity: expected a number, got True",
        ),
        (
            {"coin": "BTC", "signal": "buy", "quantity": [1]},
            "decisions[0] (BTC).quantity: Input should be a valid number",
        ),
        (
            {"coin": "BTC", "signal": "buy", "quantity": -1},
            "decisions[0] (BTC).quantity: must not be negative, got -1",
        ),
        (
            {"coin": "BTC", "signal": "buy", "quantity": 1, "justification": 7},
            "decisions[0] (BTC).justification: Input should be a valid string",
        ),
        (
            {"coin": "BTC", "signal": "moon", "quantity": 1},
            "decisions[0] (BTC).signal: unknown signal 'moon'; use one of buy_to_enter, "
            "sell_to_enter, hold, close",
        ),
        ({"coin": "BTC", "signal": 1}, "decisions[0] (BTC).signal: expected a string, got 1"),
        ({"coin": "BTC", "quantity": 1}, "decisions[0] (BTC).signal: Field required"),
        (
            {"coin": "BTC", "signal": "hold", "confidence": 140},
            "decisions[0] (BTC).confidence: confidence must be in 0..1 (or 0..100 percent), "
            "got 140",
        ),
        (
            {"coin": "BTC", "signal": "hold", "confidence": -0.1},
            "decisions[0] (BTC).confidence: confidence must be in 0..1 (or 0..100 percent), "
            "got -0.1",
        ),
        (
            {"coin": "BTC", "signal": "buy", "quantity": "1e999"},
            "decisions[0] (BTC).quantity: Input should be a finite number",
        ),
        (
            {"coin": "BTC", "signal": "buy", "quantity": "inf"},
            "decisions[0] (BTC).quantity: Input should be a finite number",
        ),
        ({"signal": "hold"}, "decisions[0]: missing 'coin' (or 'symbol')"),
    ],
)
def test_wrong_field_is_an_error_naming_its_path(entry: dict[str, object], expected: str) -> None:
    assert error_of(one([entry])) == expected


def test_entry_without_size_is_an_error() -> None:
    assert error_of(one([{"coin": "BTC", "signal": "buy_to_enter", "leverage": 3}])) == (
        "decisions[0] (BTC): buy_to_enter needs a size: a positive 'quantity' (coins) "
        "or 'notional' (USD)"
    )
    assert "needs a size" in error_of(one([{"coin": "BTC", "signal": "short", "quantity": 0}]))


def test_entry_with_both_quantity_and_notional_is_an_error() -> None:
    text = one([{"coin": "BTC", "signal": "buy", "quantity": 1, "notional": 100}])
    assert "not both" in error_of(text)


def test_entry_leverage_below_one_is_an_error() -> None:
    text = one([{"coin": "BTC", "signal": "buy", "quantity": 1, "leverage": 0.5}])
    assert error_of(text) == "decisions[0] (BTC): leverage must be at least 1, got 0.5"


def test_stop_on_the_wrong_side_of_the_target_is_an_error() -> None:
    long = {**BTC_LONG, "stop_loss": 120000.0}
    assert "must be below the profit_target" in error_of(one([long]))
    short = {**BTC_LONG, "signal": "sell_to_enter"}
    assert "must be above the profit_target" in error_of(one([short]))


def test_unknown_symbol_is_an_error_listing_the_allowed_ones() -> None:
    assert error_of(one([{"coin": "DOGE", "signal": "hold"}])) == (
        "decisions[0] (DOGE).coin: unknown symbol 'DOGE'; allowed: "
        "BTC/USDT:USDT, ETH/USDT:USDT, SOL/USDT:USDT"
    )


def test_unknown_coin_key_is_an_error() -> None:
    error = error_of(json.dumps({"decisions": {"PEPE": {"signal": "buy", "quantity": 1}}}))
    assert error.startswith("decisions[0] (PEPE).key: unknown symbol 'PEPE'")


def test_coin_disagreeing_with_its_key_is_an_error() -> None:
    text = json.dumps({"decisions": {"ETH": {"coin": "SOL", "signal": "hold"}}})
    assert "does not match its key ETH/USDT:USDT" in error_of(text)


def test_duplicate_symbol_is_an_error_even_in_another_spelling() -> None:
    text = one([{"coin": "BTC", "signal": "hold"}, {"symbol": "BTC/USDT:USDT", "signal": "close"}])
    assert error_of(text) == (
        "decisions[1]: BTC/USDT:USDT appears more than once; give one decision per coin"
    )


def test_base_coin_shared_by_two_allowed_symbols_is_ambiguous() -> None:
    result = parse_decision(one([{"coin": "BTC", "signal": "hold"}]), ("BTC/USDT", BTC), TS)
    assert result.error is not None
    assert "ambiguous symbol 'BTC'" in result.error
    exact = parse_decision(one([{"coin": "BTC/USDT", "signal": "hold"}]), ("BTC/USDT", BTC), TS)
    assert exact.decision is not None
    assert exact.decision.actions[0].symbol == "BTC/USDT"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"reasoning": "x"}', "decisions: Field required"),
        ('{"decisions": "buy BTC"}', "decisions: Input should be a valid list"),
        ('{"decisions": ["buy BTC"]}', "decisions[0]: Input should be a valid dictionary"),
        ('{"reasoning": 3, "decisions": []}', "reasoning: Input should be a valid string"),
    ],
)
def test_wrong_answer_shape_is_an_error(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


def test_many_problems_are_summarised_on_one_line() -> None:
    bad = {"coin": "BTC", "signal": "buy", "quantity": "x", "leverage": "y", "confidence": "z"}
    error = error_of(one([bad, {**bad, "coin": "ETH"}]))
    assert error.count(";") == 2
    assert error.endswith("(and 3 more)")


# --- repair ----------------------------------------------------------------------------------


def test_repair_prompt_quotes_the_error_and_restates_the_format() -> None:
    error = error_of(one([{"coin": "DOGE", "signal": "hold"}]))
    prompt = repair_prompt(error, SYMBOLS)
    assert error in prompt
    assert "Coins you may trade: BTC, ETH, SOL." in prompt
    for word in ("buy_to_enter", "sell_to_enter", "hold", "close", "quantity", "stop_loss"):
        assert word in prompt
    assert "Coins you may trade" not in repair_prompt(error)


def test_repair_prompt_example_is_itself_a_valid_answer() -> None:
    prompt = repair_prompt("x")
    example = prompt[prompt.index("{") : prompt.rindex("}") + 1]
    example = example.replace("buy_to_enter | sell_to_enter | hold | close", "buy_to_enter")
    assert decision_of(example).actions[0].symbol == BTC


# --- never raises ----------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        '"',
        "\\",
        ",",
        ":",
        " ",
        "\n",
        "<think>",
        "</think>",
        "```json\n",
        "```",
        '"decisions"',
        '"coin"',
        '"BTC"',
        '"signal"',
        '"buy"',
        '"hold"',
        '"quantity"',
        "1",
        "-1",
        "0.5",
        "1e999",
        "NaN",
        "true",
        "null",
        '"x"',
        "'",
        "trade_signal_args",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    result = parse(text)
    assert (result.decision is None) != (result.error is None)
    if result.error is not None:
        assert "\n" not in result.error


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FRAGMENTS, max_size=60).map("".join))
def test_json_like_text_never_raises(text: str) -> None:
    result = parse(text)
    assert (result.decision is None) != (result.error is None)
    if result.error is not None:
        assert "\n" not in result.error


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(["BTC", "buy", "hold", "close", "short", "eth", "85%", "0.1"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "decisions",
                    "coin",
                    "symbol",
                    "signal",
                    "quantity",
                    "notional",
                    "leverage",
                    "confidence",
                    "stop_loss",
                    "profit_target",
                    "reasoning",
                    "BTC",
                    "trade_signal_args",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_arbitrary_json_values_never_raise_and_decisions_are_well_formed(value: object) -> None:
    result = parse(json.dumps(value))
    assert (result.decision is None) != (result.error is None)
    if result.decision is not None:
        for action in result.decision.actions:
            assert action.symbol in SYMBOLS
            assert action.leverage >= 1
            assert 0 <= action.confidence <= 1
            if action.signal in (Signal.BUY_TO_ENTER, Signal.SELL_TO_ENTER):
                assert (action.quantity is None) != (action.notional is None)
            else:
                assert action.quantity is None
                assert action.notional is None
