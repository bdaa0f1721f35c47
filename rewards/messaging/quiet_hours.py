"""Quiet hours: the night, in the community's own time zone, when broadcasts wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, span: str, zone: str) -> QuietHours | None:
        """ "22:00-07:00" in "Asia/Shanghai"; an empty span means no quiet hours."""
        if not span.strip():
            return None
        start, end = (time.fromisoformat(part.strip()) for part in span.split("-", 1))
        return cls(start, end, ZoneInfo(zone))

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # the span crosses midnight
