"""A message's text and its entities (Telegram's UTF-16 offsets) as HTML that is safe to
show: every character is escaped first, and only the formatting Telegram knows becomes a
tag, so nothing the bot quoted (a resident's name, a report's words) can become markup."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# entity type → the tag that shows it
SIMPLE_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
}
LINK_SCHEMES = ("http://", "https://")


@dataclass(frozen=True)
class _Span:
    start: int  # in Python characters
    end: int
    opening: str
    closing: str


def to_html(text: str, entities: Sequence[dict[str, Any]] = ()) -> str:
    """The text escaped, with its entities as b, i, u, s, code, pre, blockquote, a spoiler
    span and links (http and https only, opened in a new tab)."""
    positions = _utf16_positions(text)
    spans = [
        span
        for entity in entities
        if (span := _span(entity, text, positions)) is not None and span.start < span.end
    ]
    out: list[str] = []
    stack: list[_Span] = []
    for index in range(len(text) + 1):
        _close_ending(index, stack, out)
        starting = sorted((s for s in spans if s.start == index), key=lambda s: -s.end)
        for span in starting:
            out.append(span.opening)
            stack.append(span)
        if index < len(text):
            out.append(html.escape(text[index]))
    return "".join(out)


def _close_ending(index: int, stack: list[_Span], out: list[str]) -> None:
    """Close the spans that end here; spans opened inside one that overlaps it are closed
    and opened again, so the tags always nest."""
    while any(span.end == index for span in stack):
        reopen: list[_Span] = []
        while stack:
            span = stack.pop()
            out.append(span.closing)
            if span.end == index:
                break
            reopen.append(span)
        for span in reversed(reopen):
            out.append(span.opening)
            stack.append(span)


def _utf16_positions(text: str) -> dict[int, int]:
    """UTF-16 offset → index in the Python string, for every character boundary."""
    positions, offset = {}, 0
    for index, char in enumerate(text):
        positions[offset] = index
        offset += 2 if ord(char) > 0xFFFF else 1
    positions[offset] = len(text)
    return positions


def _span(entity: dict[str, Any], text: str, positions: dict[int, int]) -> _Span | None:
    try:
        offset, length = int(entity["offset"]), int(entity["length"])
    except (KeyError, TypeError, ValueError):
        return None
    start, end = positions.get(offset), positions.get(offset + length)
    if start is None or end is None:
        return None
    kind = entity.get("type")
    if kind in SIMPLE_TAGS:
        tag = SIMPLE_TAGS[str(kind)]
        return _Span(start, end, f"<{tag}>", f"</{tag}>")
    if kind == "spoiler":
        return _Span(start, end, '<span class="spoiler">', "</span>")
    url = entity.get("url") if kind == "text_link" else text[start:end] if kind == "url" else None
    if isinstance(url, str) and url.lower().startswith(LINK_SCHEMES):
        opening = f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
        return _Span(start, end, opening, "</a>")
    return None
