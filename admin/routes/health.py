"""Liveness for load balancers and `moralbank doctor`-style probes."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from core.db import Database

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


class Health(BaseModel):
    status: str
    database: str


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(request: Request) -> JSONResponse:
    database: Database = request.app.state.database
    try:
        async with database.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        # Any failure means "not ready"; the probe answers instead of raising.
        log.warning("health check: database unavailable: %s", exc)
        body = Health(status="unavailable", database="unavailable")
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Health(status="ok", database="ok").model_dump())
