"""The bundled Binance sample as test data: its manifest (the provenance record with the
exact row and gap counts per file) and folders holding a subset of its files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from alpha_arena.marketdata.sources.sample import sample_dir

SAMPLE = sample_dir()

PERPETUALS = tuple(f"{base}/USDT:USDT" for base in ("BTC", "ETH", "SOL", "BNB", "DOGE", "XRP"))
SPOTS = tuple(f"{base}/USDT" for base in ("BTC", "ETH", "SOL", "BNB", "DOGE", "XRP"))


@cache
def manifest() -> dict[str, dict[str, Any]]:
    """The manifest's entries, by file name."""
    entries = json.loads((SAMPLE / "manifest.json").read_text())
    return {entry["file"]: entry for entry in entries}


def sample_subset(folder: Path, names: Iterable[str]) -> Path:
    """Copy the named sample files and the instrument specs into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / "instruments.json", folder / "instruments.json")
    for name in names:
        shutil.copy(SAMPLE / name, folder / name)
    return folder
