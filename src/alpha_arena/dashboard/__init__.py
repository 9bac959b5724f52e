"""The web dashboard's built files (``web/`` builds into ``static/``; the package ships them)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).parent / "static"


def is_built(folder: Path = STATIC) -> bool:
    return (folder / "index.html").is_file()
