"""The dashboard and the docs are served from the package: the app's page for any GET that is
not the API's (deep links survive a reload), the unified 404 for everything else, the docs from
bundled files, and a one-line answer when the dashboard is not built."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from alpha_arena.api.dashboard import CONTENT_SECURITY_POLICY, install_dashboard
from alpha_arena.api.errors import install_error_handlers
from tests.integration.api.conftest import assert_error

INDEX = "<!doctype html><title>Alpha Arena</title><div id=root></div>"


def app_with(static: Path) -> TestClient:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json")
    install_error_handlers(app)

    @app.get("/api/v1/system")
    def system() -> dict[str, str]:
        return {"version": "test"}

    install_dashboard(app, "/api/v1", static)
    return TestClient(app)


@pytest.fixture
def built(tmp_path: Path) -> TestClient:
    (tmp_path / "assets").mkdir()
    (tmp_path / "docs-assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc.js").write_text("console.log('app')")
    (tmp_path / "docs-assets" / "swagger-ui-bundle.js").write_text("/* swagger */")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    return app_with(tmp_path)


@pytest.mark.parametrize("path", ["/", "/seasons/3", "/arena/1", "/backtests/compare"])
def test_every_page_of_the_app_answers_with_its_index(built: TestClient, path: str) -> None:
    page = built.get(path)
    assert page.status_code == 200 and page.text == INDEX
    assert page.headers["cache-control"] == "no-cache"
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_the_built_files_and_the_api_are_served_as_themselves(built: TestClient) -> None:
    assert built.get("/assets/index-abc.js").text == "console.log('app')"
    assert built.get("/favicon.svg").text == "<svg/>"
    assert built.get("/docs-assets/swagger-ui-bundle.js").text == "/* swagger */"
    assert built.get("/api/v1/system").json() == {"version": "test"}


@pytest.mark.parametrize("path", ["/api/v1/nope", "/assets/missing.js", "/health/x", "/metricsx"])
def test_unknown_api_and_asset_paths_keep_the_unified_404(built: TestClient, path: str) -> None:
    assert_error(built.get(path), 404, "not_found")


def test_a_write_to_an_unknown_path_is_a_404_not_a_405(built: TestClient) -> None:
    assert_error(built.post("/api/v1/nope", json={}), 404, "not_found")
    assert_error(built.post("/seasons/3", json={}), 404, "not_found")


def test_a_path_out_of_the_build_folder_is_never_served(built: TestClient, tmp_path: Path) -> None:
    (tmp_path.parent / "secret.txt").write_text("do not serve")
    page = built.get("/..%2Fsecret.txt")
    assert "do not serve" not in page.text


def test_the_docs_load_their_files_from_this_server(built: TestClient) -> None:
    swagger = built.get("/api/v1/docs")
    assert swagger.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in swagger.text and "cdn" not in swagger.text
    redoc = built.get("/api/v1/redoc")
    assert redoc.status_code == 200
    assert "/docs-assets/redoc.standalone.js" in redoc.text and "fonts.googleapis" not in redoc.text


def test_without_a_build_the_pages_say_how_to_build_it(tmp_path: Path) -> None:
    client = app_with(tmp_path / "not-built")
    for path in ("/", "/seasons/1", "/api/v1/docs", "/api/v1/redoc"):
        page = client.get(path)
        assert page.status_code == 503 and "make web" in page.text
    assert client.get("/api/v1/system").status_code == 200
