"""Remote agents' HMAC signing secrets, stored only as Fernet tokens of the master key
(``ARENA_SECRET_KEY``), one per agent.

The database alone (a backup, the dashboard's database browser) reveals no secret. A secret is
decrypted only where a remote agent's requests are signed. Every failure about the master key
(none set, not a Fernet key, not the key the secret was stored with) is a
``ConfigurationError`` with one line saying what to do."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine, delete, insert, select, update

from alpha_arena.core.errors import ConfigurationError, NotFoundError
from alpha_arena.storage.exchange_accounts import NEW_KEY_HINT, MasterKey, fernet
from alpha_arena.storage.tables import AgentSecretRow

VARIABLE = "ARENA_SECRET_KEY"


def agent_cipher(key: MasterKey) -> Fernet:
    """The cipher of the master key, refusing a missing one with a line saying how to make it."""
    text = key.get_secret_value() if key is not None and not isinstance(key, str) else key
    if not text or not text.strip():
        raise ConfigurationError(
            f"{VARIABLE} is not set: a remote agent's signing secret is stored encrypted with "
            f"it; {NEW_KEY_HINT}, then set {VARIABLE}"
        )
    return fernet(key, VARIABLE)


class AgentSecretStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def put(self, agent_id: int, secret: str, key: MasterKey, ts: int) -> None:
        """Store (or replace) agent ``agent_id``'s secret, encrypted under ``key``."""
        token = agent_cipher(key).encrypt(secret.encode()).decode()
        with self._engine.begin() as connection:
            changed = connection.execute(
                update(AgentSecretRow)
                .where(AgentSecretRow.agent_id == agent_id)
                .values(secret=token, ts_created=ts)
            ).rowcount
            if not changed:
                connection.execute(
                    insert(AgentSecretRow).values(agent_id=agent_id, secret=token, ts_created=ts)
                )

    def get(self, agent_id: int, agent_name: str, key: MasterKey) -> str:
        """Decrypt agent ``agent_id``'s secret (``agent_name`` names it in the messages)."""
        cipher = agent_cipher(key)
        with self._engine.connect() as connection:
            token = connection.execute(
                select(AgentSecretRow.secret).where(AgentSecretRow.agent_id == agent_id)
            ).scalar()
        if token is None:
            raise NotFoundError(
                f"remote agent {agent_name!r} has no signing secret stored; make one with "
                f"`arena agent rotate-secret {agent_name}`"
            )
        try:
            return cipher.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ConfigurationError(
                f"{VARIABLE} does not decrypt the signing secret of remote agent "
                f"{agent_name!r}: it is not the key it was stored with (or make a new secret "
                f"with `arena agent rotate-secret {agent_name}`)"
            ) from None

    def has(self, agent_id: int) -> bool:
        with self._engine.connect() as connection:
            found = connection.execute(
                select(AgentSecretRow.agent_id).where(AgentSecretRow.agent_id == agent_id)
            ).first()
        return found is not None

    def remove(self, agent_id: int) -> None:
        with self._engine.begin() as connection:
            connection.execute(delete(AgentSecretRow).where(AgentSecretRow.agent_id == agent_id))

    def rotate_master_key(self, old_key: MasterKey, new_key: MasterKey) -> int:
        """Re-encrypt every secret from ``old_key`` to ``new_key`` in one transaction; return
        how many were re-encrypted (``arena account rotate-key`` does the exchange keys)."""
        old = agent_cipher(old_key)
        new = fernet(new_key, "ARENA_NEW_SECRET_KEY")
        count = 0
        with self._engine.begin() as connection:
            rows = connection.execute(
                select(AgentSecretRow.agent_id, AgentSecretRow.secret)
                .order_by(AgentSecretRow.agent_id)
                .with_for_update()
            ).all()
            for row in rows:
                try:
                    plain = old.decrypt(row.secret.encode())
                except InvalidToken:
                    raise ConfigurationError(
                        f"{VARIABLE} does not decrypt the signing secret of agent id "
                        f"{row.agent_id}: it is not the key the secrets were stored with"
                    ) from None
                connection.execute(
                    update(AgentSecretRow)
                    .where(AgentSecretRow.agent_id == row.agent_id)
                    .values(secret=new.encrypt(plain).decode())
                )
                count += 1
        return count
