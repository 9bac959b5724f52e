"""The API audit log on both databases: every write through the API is recorded once, with the
token's fingerprint (never the token), refused and failed writes with their status and error
code, reads never; GET /system/audit and `arena audit` list it to the token's holder only; and
a write whose record cannot be stored still succeeds."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from alpha_arena.api.app import create_app
from alpha_arena.cli.app import app as cli_app
from alpha_arena.services.context import AppContext, open_context
from alpha_arena.storage.audit_log import AuditLogStore
from tests.integration.api.conftest import (
    AUTH,
    LOOPBACK,
    TEST_HOST,
    TOKEN,
    assert_error,
    with_token,
)
from tests.support.databases import settings_for

AUDIT = "/api/v1/system/audit"
#: The fingerprint worked out by hand: the first 8 hex digits of the token's SHA-256.
FINGERPRINT = hashlib.sha256(TOKEN.encode()).hexdigest()[:8]
_names = itertools.count()


def _newest_id(client: TestClient) -> int:
    items = client.get(AUDIT, params={"limit": 1}, headers=AUTH).json()["items"]
    return int(items[0]["id"]) if items else 0


def _since(client: TestClient, after_id: int) -> list[dict[str, Any]]:
    """The audit entries recorded after ``after_id``, oldest first (the module's other tests
    write to the same database)."""
    items = client.get(AUDIT, params={"limit": 1000}, headers=AUTH).json()["items"]
    return [item for item in reversed(items) if int(item["id"]) > after_id]


def test_every_write_is_recorded_with_its_outcome_and_reads_are_not(
    client: TestClient, market: AppContext
) -> None:
    name = f"audited-{next(_names)}"
    before = _newest_id(client)
    config = {"kind": "strategy", "strategy": "ema_trend"}
    created = client.post("/api/v1/agents", json={"name": name, "config": config}, headers=AUTH)
    assert created.status_code == 201, created.text
    agent_id = created.json()["id"]
    assert client.post(f"/api/v1/agents/{name}/disable", headers=AUTH).status_code == 200
    assert client.get(f"/api/v1/agents/{name}").status_code == 200  # a read: not recorded
    assert_error(client.post(f"/api/v1/agents/{name}/disable",
                             headers={"Authorization": "Bearer wrong-token"}),
                 401, "unauthorized")  # fmt: skip
    assert_error(client.post(f"/api/v1/agents/{name}/enable"), 401, "unauthorized")
    assert_error(client.post(f"/api/v1/agents/{name}-gone/enable", headers=AUTH), 404, "not_found")
    assert_error(client.patch(f"/api/v1/agents/{name}", json={"enabled": "maybe"}, headers=AUTH),
                 422, "validation_error")  # fmt: skip
    assert client.delete(f"/api/v1/agents/{name}", headers=AUTH).status_code == 200

    entries = [e for e in _since(client, before) if e["method"] != "GET"]
    assert [(e["method"], e["path"], e["status"], e["outcome"], e["entity"]) for e in entries] == [
        ("POST", "/api/v1/agents", 201, "ok", f"agents/{agent_id}"),
        ("POST", f"/api/v1/agents/{name}/disable", 200, "ok", f"agents/{name}"),
        ("POST", f"/api/v1/agents/{name}/disable", 401, "unauthorized", f"agents/{name}"),
        ("POST", f"/api/v1/agents/{name}/enable", 401, "unauthorized", f"agents/{name}"),
        ("POST", f"/api/v1/agents/{name}-gone/enable", 404, "not_found", f"agents/{name}-gone"),
        ("PATCH", f"/api/v1/agents/{name}", 422, "validation_error", f"agents/{name}"),
        ("DELETE", f"/api/v1/agents/{name}", 200, "ok", f"agents/{name}"),
    ]
    wrong = hashlib.sha256(b"wrong-token").hexdigest()[:8]
    assert [e["actor"] for e in entries] == [FINGERPRINT, FINGERPRINT, wrong, None,
                                             FINGERPRINT, FINGERPRINT, FINGERPRINT]  # fmt: skip
    assert {e["client"] for e in entries} == {LOOPBACK[0]}
    assert all(e["ts"] > 1_700_000_000_000 and e["duration_ms"] >= 0 for e in entries)
    with market.engine.connect() as connection:  # nowhere in the table, not even in part
        rows = connection.execute(text("SELECT * FROM api_audit_log")).all()
    assert rows and all(TOKEN[:10] not in json.dumps([str(v) for v in row]) for row in rows)


def test_the_audit_log_is_read_by_the_token_holder_only_and_filters(
    client: TestClient, market: AppContext
) -> None:
    name = f"filtered-{next(_names)}"
    client.post(f"/api/v1/agents/{name}/disable", headers=AUTH)  # 404: a failed write
    client.post(f"/api/v1/agents/{name}/disable", headers={"Authorization": "Bearer other"})

    assert_error(client.get(AUDIT), 401, "unauthorized", "Bearer")  # loopback reads are not enough
    assert_error(client.get(AUDIT, headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    with TestClient(create_app(with_token(market.settings, None), market, False),
                    client=LOOPBACK) as read_only:  # fmt: skip
        assert_error(read_only.get(AUDIT, headers=AUTH), 403, "forbidden", "ARENA_API_TOKEN")

    failed = client.get(AUDIT, params={"failed": True, "limit": 1000}, headers=AUTH).json()
    assert failed["total"] == len(failed["items"]) and all(
        item["status"] >= 400 for item in failed["items"])  # fmt: skip
    assert {item["status"] for item in failed["items"] if name in item["path"]} == {401, 404}
    other = hashlib.sha256(b"other").hexdigest()[:8]
    by_other = client.get(AUDIT, params={"actor": other}, headers=AUTH).json()
    assert [item["path"] for item in by_other["items"]][:1] == [f"/api/v1/agents/{name}/disable"]
    page = client.get(AUDIT, params={"limit": 1, "offset": 1}, headers=AUTH).json()
    assert (page["limit"], page["offset"], len(page["items"])) == (1, 1, 1)
    assert page["items"][0]["id"] < client.get(AUDIT, params={"limit": 1}, headers=AUTH).json()[
        "items"][0]["id"]  # fmt: skip
    assert_error(client.get(AUDIT, params={"actor": "NOT-HEX"}, headers=AUTH), 422,
                 "validation_error")  # fmt: skip

    result = CliRunner().invoke(
        cli_app, ["audit", "--failed", "--json", "--limit", "1000"],
        env={"ARENA_DATABASE_URL": market.settings.database_url},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert listed["total"] == failed["total"]
    assert [item["path"] for item in listed["items"]] == [item["path"] for item in failed["items"]]
    env = {"ARENA_DATABASE_URL": market.settings.database_url}
    table = CliRunner().invoke(cli_app, ["audit", "--actor", other], env=env)
    assert table.exit_code == 0 and f"/api/v1/agents/{name}/disable" in table.stdout
    assert "401" in table.stdout and other in table.stdout


def test_a_write_whose_record_cannot_be_stored_still_succeeds(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = with_token(settings_for(database_url)).model_copy(
        update={"api_allowed_hosts": TEST_HOST}
    )
    context = open_context(settings)
    try:
        with context.engine.begin() as connection:  # the log's table is gone: every insert fails
            connection.execute(text("DROP TABLE api_audit_log"))
        app = create_app(context=context, embedded_runner=False)
        with TestClient(app, client=LOOPBACK) as client, caplog.at_level(logging.WARNING):
            config = {"kind": "strategy", "strategy": "ema_trend"}
            created = client.post("/api/v1/agents", json={"name": "kept", "config": config},
                                  headers=AUTH)  # fmt: skip
            assert created.status_code == 201, created.text
            assert client.get("/api/v1/agents/kept").json()["name"] == "kept"  # the write stands
        assert "audit log: POST /api/v1/agents (status 201) not recorded" in caplog.text
        assert TOKEN not in caplog.text
    finally:
        context.close()


def test_the_store_is_what_the_route_serves(client: TestClient, market: AppContext) -> None:
    name = f"stored-{next(_names)}"
    client.post(f"/api/v1/agents/{name}/enable", headers=AUTH)
    (newest,) = AuditLogStore(market.engine).recent(limit=1)
    served = client.get(AUDIT, params={"limit": 1}, headers=AUTH).json()["items"][0]
    assert (newest.id, newest.path, newest.status, newest.actor) == (
        served["id"], served["path"], served["status"], served["actor"],
    )  # fmt: skip
    assert newest.path == f"/api/v1/agents/{name}/enable"
