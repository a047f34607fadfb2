"""Architecture review over HTTP (issue 4). Owned by the review work; wired into the app already."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
