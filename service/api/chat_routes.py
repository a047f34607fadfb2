"""ChatOps endpoints (issue 5). Owned by the chat work; wired into the app already."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
