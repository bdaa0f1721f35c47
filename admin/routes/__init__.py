"""Routers of the panel. Every HTML page router is made by `page_router`, which puts the
CSRF check and the refusal of control characters on each of its routes, so a new form
cannot be added without them."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from admin.params import refuse_control_characters
from admin.security import verify_csrf


def page_router() -> APIRouter:
    """A router for HTML pages: hidden from the API schema, CSRF-checked when unsafe,
    free of control characters."""
    return APIRouter(
        include_in_schema=False,
        dependencies=[Depends(verify_csrf), Depends(refuse_control_characters)],
    )
