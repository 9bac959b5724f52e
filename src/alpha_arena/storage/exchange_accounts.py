"""Exchange accounts, their keys encrypted with the master key (Fernet, ``ARENA_SECRET_KEY``).

A row holds the keys only as a Fernet token of their JSON; the database alone (a backup, the
dashboard's database browser) reveals nothing but the key's fingerprint. Keys are decrypted by
``credentials`` only, where a client is built. Every failure about the master key (none set,
not a Fernet key, not the key the rows were encrypted with) is a ``ConfigurationError`` with a
one-line message saying what to do, never a traceback."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from alpha_arena.core.errors import ConfigurationError, ConflictError, NotFoundError
from alpha_arena.domain.accounts import ExchangeAccount, ExchangeCredentials
from alpha_arena.domain.seasons import SeasonStatus
from alpha_arena.storage.tables import ExchangeAccountRow, SeasonRow

#: How to make a master key, for the messages that ask for one.
NEW_KEY_HINT = (
    'make one with `arena account new-key` (or python -c "from cryptography.fernet import '
    'Fernet; print(Fernet.generate_key().decode())")'
)

MasterKey = SecretStr | str | None


def new_master_key() -> str:
    """A new random master key (a Fernet key: 32 bytes, url-safe base64)."""
    return Fernet.generate_key().decode()


def fernet(key: MasterKey, variable: str = "ARENA_SECRET_KEY") -> Fernet:
    """The cipher of master key ``key``, read from ``variable`` (named in the messages)."""
    text = key.get_secret_value() if isinstance(key, SecretStr) else key
    if not text or not text.strip():
        raise ConfigurationError(
            f"{variable} is not set: exchange account keys are stored encrypted with it; "
            f"{NEW_KEY_HINT}"
        )
    try:
        return Fernet(text.strip().encode())
    except ValueError:  # the message says what a key looks like, never the key
        raise ConfigurationError(
            f"{variable} is not a Fernet key (32 url-safe base64-encoded bytes, 44 characters); "
            f"{NEW_KEY_HINT}"
        ) from None


def _account(row: Any) -> ExchangeAccount:
    return ExchangeAccount(
        row.id, row.name, row.exchange, row.sandbox, row.key_fingerprint, row.ts_created,
        row.ts_updated,
    )  # fmt: skip


def _decrypt(cipher: Fernet, token: str, name: str, variable: str) -> ExchangeCredentials:
    try:
        return ExchangeCredentials.from_json(cipher.decrypt(token.encode()).decode())
    except InvalidToken:
        raise ConfigurationError(
            f"{variable} does not decrypt the keys of exchange account {name!r}: it is not the "
            "key they were stored with (after `arena account rotate-key`, set ARENA_SECRET_KEY "
            "to the new key)"
        ) from None


def _check_key(connection: Connection, cipher: Fernet) -> None:
    """Refuse a master key other than the one the stored accounts are encrypted with: the
    accounts would otherwise need two keys, and no rotation could re-encrypt them all."""
    stored = connection.execute(
        select(ExchangeAccountRow.name, ExchangeAccountRow.ciphertext)
        .order_by(ExchangeAccountRow.id)
        .limit(1)
    ).first()
    if stored is not None:
        _decrypt(cipher, stored.ciphertext, stored.name, "ARENA_SECRET_KEY")


def _in_use_by(connection: Connection, account_name: str) -> list[str]:
    """The seasons not finished that bind an entry to account ``account_name``: while there
    are any, the account may not be removed."""
    rows = connection.execute(
        select(SeasonRow.id, SeasonRow.config).where(
            SeasonRow.status.not_in((SeasonStatus.FINISHED.value, SeasonStatus.CANCELED.value))
        )
    )
    return [
        f"season {row.id}"
        for row in rows
        if account_name in (json.loads(row.config).get("accounts") or {}).values()
    ]


class ExchangeAccountStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(
        self,
        name: str,
        exchange: str,
        credentials: ExchangeCredentials,
        secret_key: MasterKey,
        ts: int,
        sandbox: bool = True,
    ) -> ExchangeAccount:
        """Store an account with its keys encrypted under ``secret_key``; names are unique.

        Refused when ``secret_key`` is missing, and when it is not the key the accounts
        stored already were encrypted with (the accounts would need two keys)."""
        cipher = fernet(secret_key)
        token = cipher.encrypt(credentials.to_json().encode()).decode()
        try:
            with self._engine.begin() as connection:
                _check_key(connection, cipher)
                connection.execute(
                    insert(ExchangeAccountRow).values(
                        name=name, exchange=exchange, sandbox=sandbox, ciphertext=token,
                        key_fingerprint=credentials.fingerprint, ts_created=ts, ts_updated=ts,
                    )
                )  # fmt: skip
        except IntegrityError:
            raise ConflictError(f"an exchange account named {name!r} exists already") from None
        return self.get(name)

    def check_master_key(self, secret_key: MasterKey) -> None:
        """Refuse (ConfigurationError) a missing or malformed ``secret_key``, or one that does
        not decrypt the accounts stored already."""
        cipher = fernet(secret_key)
        with self._engine.connect() as connection:
            _check_key(connection, cipher)

    def get(self, name: str) -> ExchangeAccount:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(ExchangeAccountRow).where(ExchangeAccountRow.name == name)
            ).first()
        if row is None:
            known = ", ".join(account.name for account in self.all()) or "none registered"
            raise NotFoundError(f"no exchange account named {name!r}; known: {known}")
        return _account(row)

    def all(self) -> list[ExchangeAccount]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(ExchangeAccountRow).order_by(ExchangeAccountRow.name))
            return [_account(row) for row in rows]

    def credentials(self, name: str, secret_key: MasterKey) -> ExchangeCredentials:
        """Decrypt the keys of account ``name``."""
        cipher = fernet(secret_key)
        with self._engine.connect() as connection:
            token = connection.execute(
                select(ExchangeAccountRow.ciphertext).where(ExchangeAccountRow.name == name)
            ).scalar()
        if token is None:
            self.get(name)  # raises NotFoundError naming the known accounts
        assert token is not None
        return _decrypt(cipher, token, name, "ARENA_SECRET_KEY")

    def remove(self, name: str) -> ExchangeAccount:
        """Delete account ``name`` (its keys with it); refused while anything uses it."""
        account = self.get(name)
        with self._engine.begin() as connection:
            users = _in_use_by(connection, account.name)
            if users:
                raise ConflictError(
                    f"exchange account {name!r} is in use by {', '.join(users)}; finish or "
                    "end those first (`arena season end ID`)"
                )
            connection.execute(
                delete(ExchangeAccountRow).where(ExchangeAccountRow.id == account.id)
            )
        return account

    def rotate_master_key(self, old_key: MasterKey, new_key: MasterKey, ts: int) -> int:
        """Re-encrypt every account's keys from ``old_key`` to ``new_key`` in one transaction
        (all or nothing); return how many accounts were re-encrypted."""
        old = fernet(old_key, "ARENA_SECRET_KEY")
        new = fernet(new_key, "ARENA_NEW_SECRET_KEY")
        rows = 0
        with self._engine.begin() as connection:
            stored = connection.execute(
                select(
                    ExchangeAccountRow.id, ExchangeAccountRow.name, ExchangeAccountRow.ciphertext
                )
                .order_by(ExchangeAccountRow.id)
                .with_for_update()
            ).all()
            for row in stored:
                credentials = _decrypt(old, row.ciphertext, row.name, "ARENA_SECRET_KEY")
                token = new.encrypt(credentials.to_json().encode()).decode()
                connection.execute(
                    update(ExchangeAccountRow)
                    .where(ExchangeAccountRow.id == row.id)
                    .values(ciphertext=token, ts_updated=ts)
                )
                rows += 1
        return rows
