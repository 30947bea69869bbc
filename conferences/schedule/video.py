"""Video meeting links: the one check for a link, and which link a session has.

A series may carry a meeting link (Zoom, Teams, Webex, Meet: any https address). Its
sessions inherit it: a session's own ``video_url`` overrides the series' one, and an
empty one means "the series' link" (``effective_video_url``). Generating and editing a
series still copies the link into sessions that follow the series (``COPIED_FIELDS``);
a session edited on its own keeps the link it was given.

Links are for signed-in people and personal feeds only (a meeting link that leaks gets
"bombed"): public series feeds and public session calendar files leave them out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LENGTH = 500
HTTPS_ONLY = "Enter a full https:// meeting link (for example https://zoom.us/j/123)."


def video_url_problem(value: str | None) -> str | None:
    """What is wrong with a typed meeting link (None: nothing; an empty link is fine)."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_LENGTH:
        return f"The link is longer than {MAX_LENGTH} characters."
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return HTTPS_ONLY
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a malformed port
    except ValueError:
        return HTTPS_ONLY
    if parts.scheme.lower() != "https" or not parts.hostname or "." not in parts.hostname:
        return HTTPS_ONLY
    if parts.username or parts.password or port == 0:
        return HTTPS_ONLY
    return None


def problems(values: dict) -> list[tuple[str, str]]:
    """(field, message) pairs for the schedule's validation."""
    if "video_url" not in values:
        return []
    message = video_url_problem(values.get("video_url"))
    return [("video_url", message)] if message else []


def effective_video_url(own: str | None, series_link: str | None) -> str:
    """The link a session has: its own, else its series' one."""
    return (own or "").strip() or (series_link or "").strip()


VIDEO_LABEL = "Join by video"


def video_line(url: str) -> str:
    """The one way a meeting link is written as a line of text: the first line of a feed
    event's DESCRIPTION and a line of every e-mail that gives a session's details."""
    return f"{VIDEO_LABEL}: {url}"
