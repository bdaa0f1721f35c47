"""The base of every error a user may be told about.

Each subclass names a stable `code`; adapters translate `error.<code>` from the catalogues
and never show the exception's own text, so services stay free of user-facing language.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "internal"

    def __init__(self, **params: Any) -> None:
        super().__init__(self.code, params)
        # Values the translated message may interpolate, e.g. {"minutes": 15}.
        self.params = params
