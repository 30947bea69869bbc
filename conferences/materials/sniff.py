"""What a file is, from its bytes: PDF, PowerPoint (pptx), Word (docx) and images for
materials; MP4, M4A, WebM and MP3 for recordings (``detect_media``).

The name a browser sends is never trusted: a renamed executable is refused whatever it is
called. Office files are zip packages: they are opened and must hold the parts that make a
Word document or a presentation (and nothing is extracted)."""

from __future__ import annotations

import io
import zipfile
from typing import NamedTuple


class Kind(NamedTuple):
    name: str
    content_type: str
    extension: str


PDF = Kind("pdf", "application/pdf", "pdf")
PPTX = Kind(
    "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"
)
DOCX = Kind(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
)
PNG = Kind("png", "image/png", "png")
JPEG = Kind("jpeg", "image/jpeg", "jpg")
GIF = Kind("gif", "image/gif", "gif")
WEBP = Kind("webp", "image/webp", "webp")

ACCEPTED_WORDS = "PDF, PowerPoint (.pptx), Word (.docx) or an image (PNG, JPEG, GIF, WebP)"


def _office(data: bytes) -> Kind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "ppt/presentation.xml" in names:
        return PPTX
    if "word/document.xml" in names:
        return DOCX
    return None


def detect(data: bytes) -> Kind | None:
    """The accepted kind these bytes are, or None (not one we take)."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


# Recordings: video or audio.
MP4 = Kind("mp4", "video/mp4", "mp4")
M4A = Kind("m4a", "audio/mp4", "m4a")
WEBM = Kind("webm", "video/webm", "webm")
MP3 = Kind("mp3", "audio/mpeg", "mp3")

MEDIA_WORDS = "video or audio file (MP4, M4A, WebM or MP3)"
# The major brand of an ISO media file says what it is (HEIC/AVIF images, QuickTime are
# ISO media files too, and are refused).
_AUDIO_BRANDS = {b"M4A ", b"M4B "}
_VIDEO_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1"}
_VIDEO_BRANDS |= {b"M4V ", b"M4VH", b"M4VP", b"dash", b"f4v "}


def _mp3_frame(head: bytes) -> bool:
    """An MPEG audio layer III frame header: 11 sync bits, a version that is not the
    reserved one, layer III."""
    return (
        len(head) >= 2
        and head[0] == 0xFF
        and head[1] & 0xE0 == 0xE0
        and head[1] & 0x18 != 0x08
        and head[1] & 0x06 == 0x02
    )


def detect_media(head: bytes) -> Kind | None:
    """The recording kind the first bytes (64 are enough) show, or None.

    MP4 and M4A are ISO media files (an ``ftyp`` box first; the brand tells audio from
    video); WebM is Matroska (EBML magic) whose DocType is ``webm``; MP3 starts with an
    ID3 tag or an MPEG audio frame."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return M4A
        return MP4 if brand in _VIDEO_BRANDS else None
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return WEBM
    if head.startswith(b"ID3") or _mp3_frame(head):
        return MP3
    return None
