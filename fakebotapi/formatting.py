"""Message text as Telegram reads it: HTML parse mode into plain text plus entities,
trimmed, and checked for length.

The HTML rules are Telegram's, which are stricter than a browser's: only a few tags, only
four named character references, and a bare "<" is an error rather than text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fakebotapi.wire import bad_request

MAX_TEXT = 4096
MAX_CAPTION = 1024
ENTITY_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
PARSE_MODES = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}
_REFERENCE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_SPACE = " \t\n\r\f\v"


@dataclass
class Formatted:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Entity offsets and lengths count UTF-16 code units, as Telegram's clients do."""
    return len(text.encode("utf-16-le")) // 2


def parse(text: str, parse_mode: str | None, entities: Any = None) -> Formatted:
    """What the user will see: markup parsed away (400 where Telegram refuses it)."""
    mode = normalise_parse_mode(parse_mode)
    if mode == "HTML":
        formatted = _HtmlParser(text).run()
    else:
        # Markdown modes are passed through unparsed; explicit entities are kept as given.
        formatted = Formatted(text, _check_entities(entities))
    return _trim(formatted)


def normalise_parse_mode(parse_mode: str | None) -> str | None:
    if parse_mode is None or parse_mode == "":
        return None
    mode = PARSE_MODES.get(parse_mode.lower())
    if mode is None:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return mode


def message_text(text: Any, parse_mode: str | None, entities: Any = None) -> Formatted:
    """sendMessage/editMessageText text: 1-4096 characters after entity parsing."""
    if not isinstance(text, str):
        raise bad_request("message text is empty")
    formatted = parse(text, parse_mode, entities)
    if not formatted.text:
        raise bad_request("message text is empty")
    if len(formatted.text) > MAX_TEXT:
        raise bad_request("message is too long")
    return formatted


def caption(text: Any, parse_mode: str | None, entities: Any = None) -> Formatted | None:
    """A media caption: optional, 0-1024 characters after entity parsing."""
    if text is None:
        return None
    formatted = parse(str(text), parse_mode, entities)
    if len(formatted.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return formatted


def _check_entities(entities: Any) -> list[dict[str, Any]]:
    if entities is None:
        return []
    if not isinstance(entities, list) or not all(
        isinstance(e, dict) and {"type", "offset", "length"} <= e.keys() for e in entities
    ):
        raise bad_request("can't parse entities JSON object")
    return [dict(e) for e in entities]


def _trim(formatted: Formatted) -> Formatted:
    """Telegram drops leading and trailing whitespace, moving entities along."""
    text = formatted.text
    stripped = text.strip(_SPACE)
    if stripped == text:
        return formatted
    shift = utf16_len(text[: len(text) - len(text.lstrip(_SPACE))])
    end = utf16_len(stripped)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            entities.append({**entity, "offset": start, "length": stop - start})
    return Formatted(stripped, entities)


@dataclass
class _Open:
    tag: str
    offset: int
    attrs: dict[str, str]
    at_byte: int


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.out: list[str] = []
        self.units = 0  # UTF-16 length of the text produced so far
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def run(self) -> Formatted:
        while self.pos < len(self.source):
            char = self.source[self.pos]
            if char == "<":
                self._tag()
            elif char == "&":
                self._reference()
            else:
                self._emit(char)
                self.pos += 1
        if self.stack:
            raise _error(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return Formatted("".join(self.out), self.entities)

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.units += utf16_len(text)

    def _byte(self, pos: int | None = None) -> int:
        return len(self.source[: self.pos if pos is None else pos].encode("utf-8"))

    def _reference(self) -> None:
        match = _REFERENCE.match(self.source, self.pos)
        decoded = _decode_reference(match) if match else None
        if match is None or decoded is None:
            # An unknown reference is text, ampersand and all.
            self._emit("&")
            self.pos += 1
            return
        self._emit(decoded)
        self.pos = match.end()

    def _tag(self) -> None:
        if self.source.startswith("</", self.pos):
            self._end_tag()
        else:
            self._start_tag()

    def _end_tag(self) -> None:
        at = self._byte()
        close = self.source.find(">", self.pos)
        if close < 0:
            raise _error(f"Unclosed end tag at byte offset {at}")
        name = self.source[self.pos + 2 : close].strip(_SPACE).lower()
        if not self.stack:
            raise _error(f'Unexpected end tag "{name}" at byte offset {at}')
        opened = self.stack.pop()
        if name != opened.tag:
            raise _error(
                f'Unmatched end tag at byte offset {at}, expected "</{opened.tag}>", '
                f'found "</{name}>"'
            )
        self.pos = close + 1
        self._close(opened)

    def _start_tag(self) -> None:
        at = self._byte()
        start = self.pos + 1
        end = start
        while end < len(self.source) and self.source[end] not in _SPACE + ">":
            end += 1
        name = self.source[start:end].lower()
        if name not in ENTITY_OF_TAG:
            raise _error(f'Unsupported start tag "{name}" at byte offset {at}')
        self.pos = end
        attrs = self._attributes(name, at)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _error(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        self.stack.append(_Open(name, self.units, attrs, at))

    def _attributes(self, tag: str, at: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while True:
            self._skip_space()
            if self.pos >= len(self.source):
                raise _error(f"Unclosed start tag at byte offset {at}")
            if self.source[self.pos] == ">":
                self.pos += 1
                return attrs
            name = self._attribute_name(at)
            self._skip_space()
            if self.source.startswith("=", self.pos):
                self.pos += 1
                self._skip_space()
                attrs[name] = self._attribute_value(at)
            elif tag == "blockquote" and name == "expandable":
                attrs[name] = ""
            else:
                raise _error(
                    "Expected equal sign in declaration of an attribute of the tag at byte "
                    f"offset {at}"
                )

    def _attribute_name(self, at: int) -> str:
        start = self.pos
        while self.pos < len(self.source) and self.source[self.pos] not in _SPACE + "=>":
            self.pos += 1
        if self.pos == start:
            raise _error(f"Empty attribute name in the tag at byte offset {at}")
        return self.source[start : self.pos].lower()

    def _attribute_value(self, at: int) -> str:
        quote = self.source[self.pos : self.pos + 1]
        if quote in ("'", '"'):
            close = self.source.find(quote, self.pos + 1)
            if close < 0:
                raise _error(f"Unclosed start tag at byte offset {at}")
            raw = self.source[self.pos + 1 : close]
            self.pos = close + 1
        else:
            start = self.pos
            while self.pos < len(self.source) and self.source[self.pos] not in _SPACE + ">":
                self.pos += 1
            raw = self.source[start : self.pos]
        return _REFERENCE.sub(lambda m: _decode_reference(m) or m.group(0), raw)

    def _skip_space(self) -> None:
        while self.pos < len(self.source) and self.source[self.pos] in _SPACE:
            self.pos += 1

    def _close(self, opened: _Open) -> None:
        length = self.units - opened.offset
        entity = _entity(opened, self.stack[-1] if self.stack else None)
        if length > 0 and entity is not None:
            self.entities.append({**entity, "offset": opened.offset, "length": length})


def _entity(opened: _Open, parent: _Open | None) -> dict[str, Any] | None:
    kind = ENTITY_OF_TAG[opened.tag]
    attrs = opened.attrs
    if kind == "text_link":
        return {"type": kind, "url": attrs["href"]} if attrs.get("href") else None
    if kind == "custom_emoji":
        emoji = attrs.get("emoji-id")
        return {"type": kind, "custom_emoji_id": emoji} if emoji else None
    if kind == "blockquote" and "expandable" in attrs:
        return {"type": "expandable_blockquote"}
    language = attrs.get("class", "")
    if (
        kind == "code"
        and parent is not None
        and parent.tag == "pre"
        and language.startswith("language-")
    ):
        # <pre><code class="language-x"> is one pre entity with a language.
        parent.attrs["language"] = language.removeprefix("language-")
        return None
    if kind == "pre" and attrs.get("language"):
        return {"type": kind, "language": attrs["language"]}
    return {"type": kind}


def _decode_reference(match: re.Match[str]) -> str | None:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return NAMED_REFERENCES.get(name)
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def _error(what: str) -> Exception:
    return bad_request(f"can't parse entities: {what}")
