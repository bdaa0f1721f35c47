"""Long replies are cut between lines, and a line too long for one message where no markup
is open; no piece passes Telegram's limit."""

from __future__ import annotations

from bot.replies import MESSAGE_LIMIT, split_text


def test_short_text_is_one_piece() -> None:
    assert split_text("<b>title</b>\n\nline") == ["<b>title</b>\n\nline"]


def test_long_text_is_cut_between_lines_and_loses_nothing() -> None:
    lines = [f"· rule {n} <b>+5</b> " + "x" * 100 for n in range(100)]
    pieces = split_text("\n".join(lines))
    assert len(pieces) > 1
    assert all(len(piece) <= MESSAGE_LIMIT for piece in pieces)
    assert "\n".join(pieces).split("\n") == lines


def test_a_line_longer_than_a_message_is_cut_outside_markup() -> None:
    line = "a" * (MESSAGE_LIMIT - 3) + "&amp;" + "b" * 10
    pieces = split_text(line)
    assert pieces == ["a" * (MESSAGE_LIMIT - 3), "&amp;" + "b" * 10]
    emoji = split_text("😀" * MESSAGE_LIMIT)  # two UTF-16 units each, as Telegram counts
    assert [len(piece) for piece in emoji] == [MESSAGE_LIMIT // 2, MESSAGE_LIMIT // 2]
