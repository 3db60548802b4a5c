"""CSV and XLSX exports of reports and lists.

- Formula injection (CSV/“DDE” injection): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading apostrophe in both formats, so a spreadsheet shows it as text instead of
  running it. Numbers stay numbers (a negative NPS is a number, not text).
- CSV is streamed (``StreamingHttpResponse``) in UTF-8 with a byte-order mark, so Excel opens Chinese
  correctly; XLSX is written by openpyxl in write-only mode.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Model
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import capfirst

from kefu.lib import clock

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """The cell value to write: text that a spreadsheet would run as a formula gets a leading apostrophe;
    aware datetimes become local naive ones (spreadsheets have no time zones); None becomes empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if text.startswith(DANGEROUS_START):
        return "'" + text
    return text


def _csv_text(value: Any) -> str:
    v = neutralise(value)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    writer = csv.writer(_Echo())
    yield (BOM + writer.writerow([_csv_text(h) for h in header])).encode("utf-8")
    for row in rows:
        yield writer.writerow([_csv_text(c) for c in row]).encode("utf-8")


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    resp = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return resp


def xlsx_bytes(sheets: Sequence[tuple[object, Sequence[Any], Iterable[Sequence[Any]]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title=_sheet_title(title))
        ws.append([neutralise(h) for h in header])
        for row in rows:
            ws.append([neutralise(c) for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(name: object) -> str:
    """A sheet name as XLSX allows it: no ``[]:*?/\\``, at most 31 characters (translated names are lazy)."""
    title = str(name)
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    return (title or "Sheet")[:31]


def xlsx_response(
    filename: str, sheets: Sequence[tuple[object, Sequence[Any], Iterable[Sequence[Any]]]]
) -> HttpResponse:
    resp = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    resp["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return resp


def respond(
    fmt: str, filename: str, title: object, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> HttpResponse | StreamingHttpResponse:
    if fmt == "xlsx":
        return xlsx_response(filename, [(title, header, rows)])
    return csv_response(filename, header, rows)


FORMATS = ("csv", "xlsx")


def requested(request: HttpRequest) -> str | None:
    """The export format a list page was asked for (``?format=csv|xlsx``), or None for the page itself."""
    fmt = request.GET.get("format", "")
    return fmt if fmt in FORMATS else None


def links(request: HttpRequest) -> dict[str, str]:
    """The page's own address with its filters and ``format=csv|xlsx``: what the "Export" links open."""
    params = {k: v for k, v in request.GET.items() if k not in ("format", "page")}
    return {f: request.path + "?" + urlencode({**params, "format": f}) for f in FORMATS}


def filename(stem: str) -> str:
    """A download name with today's local date, e.g. ``accountability-20261206``."""
    return f"{stem}-{clock.localdate():%Y%m%d}"


def field_label(model: type[Model], name: str) -> str:
    """A model field's (translated) name as a column header."""
    field = model._meta.get_field(name)
    return str(capfirst(getattr(field, "verbose_name", name)))
