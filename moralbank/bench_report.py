"""What every benchmark reports the same way: latency percentiles and a plain table."""

from __future__ import annotations

import statistics
from dataclasses import asdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def percentile_ms(seconds: list[float], q: int) -> float:
    """The q-th percentile of latencies measured in seconds, in milliseconds."""
    if len(seconds) < 2:
        return seconds[0] * 1000 if seconds else 0.0
    return statistics.quantiles(seconds, n=100, method="inclusive")[q - 1] * 1000


def as_table(result: DataclassInstance) -> str:
    """A result's fields, one a line, names aligned."""
    rows = asdict(result)
    width = max(len(name) for name in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows.items())
