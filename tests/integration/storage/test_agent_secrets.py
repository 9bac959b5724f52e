"""Remote agents' signing secrets on every backend: stored only as Fernet tokens, read back
whole with the master key, replaced on rotation, and every master-key problem one line."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from alpha_arena.core.errors import ConfigurationError, NotFoundError
from alpha_arena.domain.llm import LlmCall
from alpha_arena.services.context import AppContext
from alpha_arena.storage.agent_secrets import AgentSecretStore
from alpha_arena.storage.agent_store import AgentStore
from alpha_arena.storage.exchange_accounts import new_master_key
from alpha_arena.storage.llm_store import LlmCallStore
from alpha_arena.storage.tables import AgentSecretRow, LlmCallRow

TS = 1_780_272_000_000
SECRET = "arsk_the-bots-secret-0123456789abcdefghijklmnop"


@pytest.fixture
def agent_id(context: AppContext) -> int:
    config = {"kind": "remote", "url": "http://127.0.0.1:8765/decide"}
    return AgentStore(context.engine).add("bot", "remote", config, TS).id


def test_a_secret_round_trips_and_the_row_holds_only_a_token(
    context: AppContext, agent_id: int
) -> None:
    store, key = AgentSecretStore(context.engine), new_master_key()
    store.put(agent_id, SECRET, key, TS)
    assert store.get(agent_id, "bot", key) == SECRET
    with context.engine.connect() as connection:
        (row,) = connection.execute(select(AgentSecretRow)).all()
    assert row.agent_id == agent_id and SECRET not in row.secret and SECRET[5:20] not in row.secret
    store.put(agent_id, "arsk_rotated-secret-000000000000000000000", key, TS + 1)
    assert store.get(agent_id, "bot", SecretStr(key)) == "arsk_rotated-secret-000000000000000000000"
    assert store.has(agent_id)


def test_without_a_master_key_nothing_is_stored_and_the_line_says_how_to_make_one(
    context: AppContext, agent_id: int
) -> None:
    store = AgentSecretStore(context.engine)
    with pytest.raises(
        ConfigurationError, match=r"ARENA_SECRET_KEY is not set.*arena account new-key"
    ):
        store.put(agent_id, SECRET, None, TS)
    assert not store.has(agent_id)
    with pytest.raises(ConfigurationError, match="not a Fernet key"):
        store.put(agent_id, SECRET, "not-a-key", TS)


def test_the_wrong_master_key_and_a_missing_secret_say_what_to_do(
    context: AppContext, agent_id: int
) -> None:
    store = AgentSecretStore(context.engine)
    with pytest.raises(NotFoundError, match="arena agent rotate-secret bot"):
        store.get(agent_id, "bot", new_master_key())
    store.put(agent_id, SECRET, new_master_key(), TS)
    with pytest.raises(ConfigurationError, match="does not decrypt the signing secret") as caught:
        store.get(agent_id, "bot", new_master_key())
    assert SECRET not in str(caught.value)


def test_a_master_key_rotation_re_encrypts_every_secret(context: AppContext, agent_id: int) -> None:
    store, old, new = AgentSecretStore(context.engine), new_master_key(), new_master_key()
    store.put(agent_id, SECRET, old, TS)
    assert store.rotate_master_key(old, new) == 1
    assert store.get(agent_id, "bot", new) == SECRET
    with pytest.raises(ConfigurationError):
        store.get(agent_id, "bot", old)


def test_removing_the_agent_removes_its_secret(context: AppContext, agent_id: int) -> None:
    store = AgentSecretStore(context.engine)
    store.put(agent_id, SECRET, new_master_key(), TS)
    store.remove(agent_id)
    assert not store.has(agent_id)


def test_deleting_an_agent_that_never_competed_takes_its_secret_and_keeps_its_calls(
    context: AppContext, agent_id: int
) -> None:
    AgentSecretStore(context.engine).put(agent_id, SECRET, new_master_key(), TS)
    LlmCallStore(context.engine).record(LlmCall(
        ts=TS, provider="remote", model="bot", parameters={}, request_hash="h" * 64,
        messages=[{"role": "user", "content": "decide"}], raw_response="{}",
        parsed_decision=None, error=None, input_tokens=0, output_tokens=0, latency_ms=1.0,
        cost_usd=None, agent_id=agent_id,
    ))  # fmt: skip
    assert AgentStore(context.engine).delete_unless_entered("bot") == 0
    with pytest.raises(NotFoundError):
        AgentStore(context.engine).get("bot")
    with context.engine.connect() as connection:
        assert connection.execute(select(AgentSecretRow)).all() == []
        (call,) = connection.execute(select(LlmCallRow.agent_id)).all()
    assert call.agent_id is None  # the one-off decision stays in the audit trail
    with pytest.raises(NotFoundError, match="no agent named 'bot'"):
        AgentStore(context.engine).delete_unless_entered("bot")
