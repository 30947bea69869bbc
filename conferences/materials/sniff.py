"""What a file is, from its bytes: PDF, PowerPoint (pptx), Word (docx) and images.

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
