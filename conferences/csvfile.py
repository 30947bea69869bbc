"""Reading uploaded CSV files the same way in every importer."""

from __future__ import annotations

import csv
import io

from conferences.errors import ImportErrors

Record = tuple[int, list[str]]


def read_records(text: str) -> tuple[list[str] | None, int, list[Record]]:
    """The header, its line number, and ``(line, cells)`` for every non-blank record after it.

    A record's line number is the physical line it starts on, so numbers stay right after
    quoted cells that span lines. Any line ending is accepted; a file the csv module cannot
    read (an over-long cell, a stray quote) is rejected with the line where it failed.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header: list[str] | None = None
    header_line = 1
    records: list[Record] = []
    next_line = 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header, header_line = cells, line
                continue
            records.append((line, cells))
    except csv.Error as error:
        raise ImportErrors([(next_line, f"The CSV cannot be read: {error}.")]) from None
    return header, header_line, records
