"""Remote agents' secrets through the services on both databases: registration stores one
readable only with the master key, rotation replaces it, and `arena account rotate-key`'s
service re-encrypts it with the exchange keys so the new master key reads it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from alpha_arena.core.errors import ConfigurationError, InvalidInputError
from alpha_arena.core.settings import Settings
from alpha_arena.services.accounts import rotate_master_key
from alpha_arena.services.agents import add_agent
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.services.remote_agents import add_remote_agent, agent_secret, rotate_secret
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.exchange_accounts import new_master_key

URL = "http://localhost:8765/decide"


def keyed(settings: Settings, key: str | None) -> AppContext:
    return open_context(settings.model_copy(update={"secret_key": key and SecretStr(key)}))


@pytest.fixture
def old_key() -> str:
    return new_master_key()


@pytest.fixture
def registered(settings: Settings, old_key: str) -> Iterator[tuple[AppContext, str]]:
    context = keyed(settings, old_key)
    try:
        yield context, add_remote_agent(context, "bot", {"kind": "remote", "url": URL}).secret
    finally:
        context.close()


def test_the_secret_reads_back_and_a_rotation_replaces_it(
    registered: tuple[AppContext, str],
) -> None:
    context, secret = registered
    record = AgentStore(context.engine).get("bot")
    assert agent_secret(context, record.id, "bot") == secret
    assert secret not in str(record.config)
    new = rotate_secret(context, "bot").secret
    assert new != secret and agent_secret(context, record.id, "bot") == new
    add_agent(context, "ema", {"kind": "strategy", "strategy": "ema_trend"})
    with pytest.raises(InvalidInputError, match="only remote agents sign"):
        rotate_secret(context, "ema")


def test_a_master_key_rotation_carries_the_secrets_over(
    registered: tuple[AppContext, str], settings: Settings
) -> None:
    context, secret = registered
    new_key = new_master_key()
    rotate_master_key(context, new_key)
    record = AgentStore(context.engine).get("bot")
    after = keyed(settings, new_key)
    try:
        assert agent_secret(after, record.id, "bot") == secret
    finally:
        after.close()
    with pytest.raises(ConfigurationError, match="not the key it was stored with"):
        agent_secret(context, record.id, "bot")  # the old key no longer reads it


def test_no_agent_is_registered_without_a_master_key(settings: Settings) -> None:
    context = keyed(settings, None)
    try:
        with pytest.raises(ConfigurationError, match="arena account new-key"):
            add_remote_agent(context, "bot", {"kind": "remote", "url": URL})
        assert [agent.name for agent in AgentStore(context.engine).all()] == []
    finally:
        context.close()
