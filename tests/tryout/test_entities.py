"""The bot's formatting on the try page: escaped first, then only Telegram's entities."""

from __future__ import annotations

import pytest

from moralbank.tryout.entities import to_html

pytestmark = pytest.mark.no_database


def test_text_is_escaped_and_entities_become_their_tags() -> None:
    text = "张红 <script>alert(1)</script> & 30 分"
    entities = [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "italic", "offset": 31, "length": 4},
    ]
    assert to_html(text, entities) == (
        "<b>张红</b> &lt;script&gt;alert(1)&lt;/script&gt; &amp; <i>30 分</i>"
    )


def test_offsets_count_utf16_units_as_telegram_does() -> None:
    text = "🏆 冠军 Alice"  # the trophy is two UTF-16 units
    entities = [{"type": "bold", "offset": 3, "length": 2}]
    assert to_html(text, entities) == "🏆 <b>冠军</b> Alice"


def test_links_only_for_web_addresses_and_quoted() -> None:
    text = "open here or there"
    entities = [
        {"type": "text_link", "offset": 5, "length": 4, "url": 'https://example.org/?a="x"'},
        {"type": "text_link", "offset": 13, "length": 5, "url": "javascript:alert(1)"},
    ]
    assert to_html(text, entities) == (
        'open <a href="https://example.org/?a=&quot;x&quot;" target="_blank" '
        'rel="noopener noreferrer">here</a> or there'
    )


def test_nested_and_crossing_entities_always_nest() -> None:
    text = "abcdef"
    entities = [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 2, "length": 4},
        {"type": "code", "offset": 1, "length": 1},
        {"type": "spoiler", "offset": 5, "length": 1},
    ]
    assert to_html(text, entities) == (
        '<b>a<code>b</code><i>cd</i></b><i>e<span class="spoiler">f</span></i>'
    )


def test_unknown_or_broken_entities_leave_plain_text() -> None:
    entities = [
        {"type": "mention", "offset": 0, "length": 3},
        {"type": "bold", "offset": 1},
        {"type": "bold", "offset": 40, "length": 2},
    ]
    assert to_html("@ab <x>", entities) == "@ab &lt;x&gt;"
