"""Turn an LLM's raw answer into a domain ``Decision``, or into a one-line error.

The answer is untrusted: it may wrap its JSON in a reasoning model's ``<think>`` block, in a
markdown fence or in prose, may be truncated, malformed or simply wrong. ``parse_decision``
never raises for any text; it returns either a decision or an error that quotes the problem
(with its field path) for the single repair round-trip (``repair_prompt``). Every pass over the
text is linear, so a megabyte of prose costs milliseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from alpha_arena.agents.llm.schema import (
    Answer,
    CoinDecision,
    describe,
    normalize_answer,
    symbol_aliases,
)
from alpha_arena.core.errors import InvalidInputError
from alpha_arena.domain.decisions import Decision, Signal, SymbolDecision

__all__ = [
    "ParseError",
    "ParseResult",
    "extract_json",
    "parse_decision",
    "repair_prompt",
]


class ParseError(InvalidInputError):
    """The model's output holds no usable JSON; the message is one line fit to send back."""


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Either a decision or the error that prevented one; ``reasoning`` is kept either way."""

    decision: Decision | None
    error: str | None = None
    reasoning: str = ""

    @property
    def ok(self) -> bool:
        """Return whether the output parsed into a decision."""
        return self.decision is not None


_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_SNIPPET = 30
_VALUE_START = re.compile(r"""\{\s*["'}]|\[\s*[\[{\]]""")
_STRUCTURE = re.compile(r'["{}\[\]]')
_STRING_END = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def split_thinking(text: str) -> tuple[str, str]:
    """Split a reasoning model's ``<think>`` blocks from its answer: ``(thinking, answer)``.

    An unterminated block runs to the end of the text; a lone closing tag (the opening one was
    part of the chat template) makes everything before it thinking.
    """
    thoughts: list[str] = []
    answer: list[str] = []
    position = 0
    first_close = re.search(r"</(think|thinking|reasoning)>", text, re.IGNORECASE)
    first_open = _THINK_OPEN.search(text)
    if first_close is not None and (first_open is None or first_close.start() < first_open.start()):
        thoughts.append(text[: first_close.start()])
        position = first_close.end()
    while True:
        opening = _THINK_OPEN.search(text, position)
        if opening is None:
            answer.append(text[position:])
            break
        answer.append(text[position : opening.start()])
        closing = re.compile(f"</{opening.group(1)}>", re.IGNORECASE).search(text, opening.end())
        if closing is None:
            thoughts.append(text[opening.end() :])
            break
        thoughts.append(text[opening.end() : closing.start()])
        position = closing.end()
    thinking = "\n\n".join(part.strip() for part in thoughts if part.strip())
    return thinking, "".join(answer)


@dataclass(frozen=True, slots=True)
class _Scan:
    spans: list[tuple[int, int]]  # balanced top-level values, [start, end)
    broken: str | None  # why the first JSON-like value that did not balance is broken


def _scan(text: str) -> _Scan:
    """Find the top-level JSON-like values in ``text`` with one linear, string-aware pass.

    A value starts at ``{`` followed by a quote or ``}``, or at ``[`` followed by ``{``, ``[``
    or ``]``, so that brackets in prose (``[1]``, ``{x}``) are not taken for JSON. Values that
    never close, or close with the wrong bracket, are reported instead of being mined for the
    complete objects inside them: a truncated answer must not become a partial decision.
    """
    spans: list[tuple[int, int]] = []
    broken: str | None = None
    stack: list[str] = []
    start = 0
    index = 0
    # Jump between the characters that matter with C-speed regex searches.
    while True:
        if not stack:
            found = _VALUE_START.search(text, index)
            if found is None:
                break
            start = found.start()
            stack.append("}" if text[start] == "{" else "]")
            index = start + 1
            continue
        found = _STRUCTURE.search(text, index)
        if found is None:
            break
        char = found.group()
        index = found.end()
        if char == '"':
            closing = _STRING_END.match(text, index)
            if closing is None:
                break
            index = closing.end()
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char == stack[-1]:
            stack.pop()
            if not stack:
                spans.append((start, index))
        else:
            if broken is None:
                opener = "{" if stack[-1] == "}" else "["
                broken = (
                    f"unbalanced JSON: {char!r} at {_where(text, index - 1)} does not close "
                    f"the {opener!r} before it"
                )
            stack.clear()
    if stack and broken is None:
        broken = (
            f"unterminated JSON: the value opened at {_where(text, start)} never closes "
            "(was the answer cut off?)"
        )
    return _Scan(spans, broken)


def _where(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line} column {column}"


def _region(answer: str) -> str:
    """Return the text to search: the last ```json fence, else the last fence holding JSON."""
    fences = [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(answer)]
    tagged = [body for tag, body in fences if tag == "json"]
    if tagged:
        return tagged[-1]
    untagged = [body for tag, body in fences if body.lstrip()[:1] in ("{", "[")]
    return untagged[-1] if untagged else answer


def _loads(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not a JSON number")

    return json.loads(text, parse_constant=refuse)


def extract_json(text: str) -> str:
    """Return the JSON text of the answer in a model's raw output.

    Drop ``<think>`` blocks and search the last fenced ```json block if there is one, else the
    whole answer. Take the first balanced top-level object with a ``decisions`` key, else the
    first object or non-empty list that parses, else the longest candidate (so that its syntax
    error can be reported). Raise ``ParseError`` when there is no candidate.
    """
    _, answer = split_thinking(text)
    if not answer.strip():
        if text.strip():
            raise ParseError("no answer after the reasoning (<think> block without a JSON answer)")
        raise ParseError("empty output; expected one JSON object")
    region = _region(answer)
    scan = _scan(region)
    usable: list[str] = []
    for start, end in scan.spans:
        try:
            value = _loads(region[start:end])
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict) and "decisions" in value:
            return region[start:end]
        if isinstance(value, dict) or (isinstance(value, list) and value):
            usable.append(region[start:end])
    if usable:
        return usable[0]
    if scan.spans:
        start, end = max(scan.spans, key=lambda span: span[1] - span[0])
        return region[start:end]
    if scan.broken is not None:
        raise ParseError(scan.broken)
    raise ParseError("no JSON object found in the output; expected one JSON object")


def _json_error(text: str, error: json.JSONDecodeError) -> str:
    before = text[: error.pos].rstrip()
    if before.endswith(",") and text[error.pos : error.pos + 1] in ("}", "]"):
        comma = len(before) - 1
        return f"invalid JSON: trailing comma at {_where(text, comma)}"
    near = text[max(0, error.pos - _SNIPPET) : error.pos + _SNIPPET].replace("\n", " ")
    return f"invalid JSON: {error.msg} at {_where(text, error.pos)} (near {near!r})"


def _validation_error(data: object, error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{describe(data, tuple(item['loc']))}: {message}")
    shown = "; ".join(problems[:3])
    more = len(problems) - 3
    return shown + (f" (and {more} more)" if more > 0 else "")


def parse_decision(text: str, allowed_symbols: Sequence[str], ts: int) -> ParseResult:
    """Parse a model's raw output into a ``Decision`` at ``ts`` on ``allowed_symbols``.

    Never raises: a problem comes back as ``ParseResult.error`` (one line), which the caller
    records as an invalid decision (a hold) or sends back once through ``repair_prompt``.
    """
    thinking, _ = split_thinking(text)
    try:
        json_text = extract_json(text)
    except ParseError as error:
        return ParseResult(None, str(error), thinking)
    try:
        raw = _loads(json_text)
    except json.JSONDecodeError as error:
        return ParseResult(None, _json_error(json_text, error), thinking)
    except ValueError as error:
        return ParseResult(None, f"invalid JSON: {error}", thinking)
    except RecursionError:
        return ParseResult(None, "invalid JSON: nested too deeply", thinking)
    aliases = symbol_aliases(allowed_symbols)
    data = normalize_answer(raw, aliases)
    try:
        answer = Answer.model_validate(data, context={"aliases": aliases})
    except ValidationError as error:
        return ParseResult(None, _validation_error(data, error), thinking)
    reasoning = "\n\n".join(part for part in (thinking, answer.reasoning.strip()) if part)
    seen: set[str] = set()
    for index, item in enumerate(answer.decisions):
        if item.symbol in seen:
            return ParseResult(
                None,
                f"decisions[{index}]: {item.symbol} appears more than once; "
                "give one decision per coin",
                reasoning,
            )
        seen.add(item.symbol)
    actions = tuple(_to_domain(item) for item in answer.decisions)
    return ParseResult(Decision(ts=ts, actions=actions, reasoning=reasoning), None, reasoning)


def _to_domain(item: CoinDecision) -> SymbolDecision:
    entry = item.signal in (Signal.BUY_TO_ENTER, Signal.SELL_TO_ENTER)
    return SymbolDecision(
        symbol=item.symbol,
        signal=item.signal,
        quantity=item.quantity if entry else None,
        notional=item.notional if entry else None,
        leverage=item.leverage if item.leverage is not None and item.leverage >= 1 else 1.0,
        take_profit=item.profit_target,
        stop_loss=item.stop_loss,
        invalidation=item.invalidation_condition.strip(),
        confidence=item.confidence if item.confidence is not None else 1.0,
        justification=item.justification.strip(),
    )


_FORMAT = """\
{
  "reasoning": "<short analysis>",
  "decisions": [
    {
      "coin": "BTC",
      "signal": "buy_to_enter | sell_to_enter | hold | close",
      "quantity": 0.01,
      "leverage": 5,
      "profit_target": 105000.0,
      "stop_loss": 98000.0,
      "invalidation_condition": "<what would prove this trade wrong>",
      "confidence": 0.7,
      "justification": "<one or two sentences>"
    }
  ]
}"""


def repair_prompt(
    error: str,
    allowed_symbols: Sequence[str] = (),
    example: tuple[str, float, float] | None = None,
) -> str:
    """Build the follow-up user message asking the model to fix its answer once; ``example``:
    the coin, profit target and stop loss its format example shows (default BTC's)."""
    shown = _FORMAT
    if example is not None:
        coin, target, stop = example
        shown = (
            shown.replace('"BTC"', json.dumps(coin))
            .replace("105000.0", repr(target))
            .replace("98000.0", repr(stop))
        )
    coins = ""
    if allowed_symbols:
        names = ", ".join(symbol.split("/", 1)[0] for symbol in allowed_symbols)
        coins = f"\nCoins you may trade: {names}."
    return (
        f"Your previous answer could not be used: {error}\n"
        "Reply again with only one JSON object in exactly this format, no other text:\n"
        f"{shown}\n"
        "One entry per coin, each coin at most once. buy_to_enter and sell_to_enter need a "
        "positive quantity (coins) or notional (USD) and leverage of at least 1; hold and close "
        "need no size. confidence is between 0 and 1." + coins
    )
