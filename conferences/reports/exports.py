"""Writing report tables as CSV and Excel files (the same tables the pages show)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from conferences.attendance.rules import format_percent
from conferences.reports.tables import Table

# Cells a spreadsheet would run as a formula are prefixed with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "percent":
        # The pages' own formatting, without the sign (the header says "(%)").
        return format_percent(value, sign=False)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, str):
        return _safe_text(value)
    return str(value)


def _header(column) -> str:
    return f"{column.label} (%)" if column.kind == "percent" else column.label


def to_csv(table: Table) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads accents); rates as percentages."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_header(c) for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                _csv_cell(value, column.kind)
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables: list[Table], *, caption: str = "") -> bytes:
    """One worksheet per table; rates are numbers formatted as percentages."""
    workbook = Workbook(write_only=True)
    if caption:
        workbook.properties.title = caption  # the document title spreadsheet programs show
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table.title))
        sheet.freeze_panes = "A3" if caption else "A2"
        widths = [max(10, len(c.label) + 2) for c in table.columns]
        for i, column in enumerate(table.columns):
            if column.kind == "text":
                widths[i] = max(widths[i], 24)
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        if caption:
            cell = WriteOnlyCell(sheet, value=caption)
            cell.font = bold
            sheet.append([cell])
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.label)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            cells = []
            for value, column in zip(row, table.columns, strict=True):
                if isinstance(value, str):
                    value = _safe_text(value)
                cell = WriteOnlyCell(sheet, value=value)
                if column.kind == "percent" and value is not None:
                    cell.number_format = "0.0%"
                elif column.kind == "date" and value is not None:
                    cell.number_format = "yyyy-mm-dd"
                elif column.kind == "number" and value is not None:
                    cell.number_format = "0.0"
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet"
    return name[:31]


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"  # werkzeug adds "; charset=utf-8" to text/* types
