"""A remote agent's configuration: https endpoints, plain http only to loopback, never
credentials in the URL, a bounded deadline; each problem one line naming the field."""

from __future__ import annotations

import pytest

from alpha_arena.agents.config import RemoteAgentConfig, parse_config
from alpha_arena.core.errors import InvalidInputError


@pytest.mark.parametrize(
    "url",
    ["https://bot.example.com/decide", "http://127.0.0.1:8765/decide",
     "http://localhost:9000/", "http://[::1]:8765/decide"],
)  # fmt: skip
def test_https_and_loopback_http_endpoints_are_accepted(url: str) -> None:
    config = parse_config({"kind": "remote", "url": url})
    assert isinstance(config, RemoteAgentConfig)
    assert (config.url, config.deadline_s, config.max_leverage, config.timeframe) == (
        url, 30.0, 10.0, "1h",
    )  # fmt: skip
    assert "secret" not in config.model_dump()


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"url": "http://bot.example.com/decide"}, "plain http only to a loopback host"),
        ({"url": "http://10.0.0.5/decide"}, "plain http only to a loopback host"),
        ({"url": "https://me:pw@bot.example.com/"}, "must not hold credentials"),
        ({"url": "ws://bot.example.com/"}, "must be an https URL"),
        ({"url": "bot.example.com"}, "must be an https URL"),
        ({"url": "https://bot.example.com/", "deadline_s": 0}, "agent remote.deadline_s"),
        ({"url": "https://bot.example.com/", "deadline_s": 301}, "agent remote.deadline_s"),
        ({"url": "https://bot.example.com/", "max_leverage": 0.5}, "agent remote.max_leverage"),
        ({"url": "https://bot.example.com/", "secret": "x"}, "agent remote.secret: Extra inputs"),
        ({}, "agent remote.url"),
    ],
)
def test_a_bad_remote_configuration_is_one_line(values: dict[str, object], fragment: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_config({"kind": "remote", **values})
    assert fragment in str(caught.value) and "\n" not in str(caught.value)
