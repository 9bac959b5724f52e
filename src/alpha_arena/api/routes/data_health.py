"""Placeholder while this area is being written."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
