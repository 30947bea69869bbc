"""The one rule for free text that people type or import.

Every form field (``formutil.PageForm``) and every importer cell passes through these
functions, so what is stored never holds a character that breaks a page, a mail header
or a calendar feed (RFC 5545 TEXT allows no control character but HTAB):

- a one-line value (a title, a room, a name): tabs become spaces, a run of line breaks
  becomes one space, every other control character is removed, ends are trimmed;
- a multi-line value (a description, a note): line endings become ``\\n``, tabs stay,
  every other control character is removed, ends are trimmed.

``feed_text`` is the last guard of the feed writer: whatever reaches a feed through
another path (old rows, the command line) is written without a forbidden character.
"""

from __future__ import annotations

import re

# Line separators: CR, LF, VT, FF, the file/group/record separators, NEL, LS and PS.
_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Other control characters: the rest of C0 (HTAB handled apart), DEL and C1.
_CONTROLS = "".join(
    chr(c)
    for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))
    if chr(c) not in _LINE_BREAKS and chr(c) != "\t"
)
_DROP = re.compile(f"[{re.escape(_CONTROLS)}]")
_BREAK_RUN = re.compile(f"[ \t]*[{re.escape(_LINE_BREAKS)}][{re.escape(_LINE_BREAKS)} \t]*")
_ONE_NEWLINE = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(value: str | None) -> str:
    """A one-line field as stored: no line break, no tab, no other control character."""
    if not value:
        return ""
    text = _DROP.sub("", value)
    text = _BREAK_RUN.sub(" ", text).replace("\t", " ")
    return text.strip()


def multi_line(value: str | None) -> str:
    """A multi-line field as stored: ``\\n`` line breaks and tabs kept, other controls gone."""
    if not value:
        return ""
    text = _ONE_NEWLINE.sub("\n", value)
    return _DROP.sub("", text).strip()


def header_value(value: str | None) -> str:
    """A mail header value (a subject): always one line."""
    return one_line(value)


def feed_text(value: str) -> str:
    """Text as a feed may carry it: ``\\n`` kept (written as an escape), tabs kept,
    every other control character removed (RFC 5545 3.3.11 TEXT)."""
    return _DROP.sub("", _ONE_NEWLINE.sub("\n", value))


def has_forbidden(value: str) -> bool:
    """Does the text hold a control character other than tab and line feed?"""
    return bool(_DROP.search(_ONE_NEWLINE.sub("\n", value)))
