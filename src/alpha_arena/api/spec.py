"""The OpenAPI spec as committed in openapi.json: the app's own, in a stable text form."""

from __future__ import annotations

import json

from alpha_arena.core.settings import Settings


def openapi_text() -> str:
    """The spec of an app with default settings (nothing is connected to build it)."""
    from alpha_arena.api.app import create_app

    app = create_app(Settings(api_cors_origins=""), embedded_runner=False)
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"
