"""Reading what an export link answers, for tests: the rows of a CSV or of each sheet of an XLSX file."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.test import Client


def download(client: Client, url: str, fmt: str, **params: Any) -> Any:
    resp = client.get(url, {**params, "format": fmt})
    assert resp.status_code == 200, (resp.status_code, url)
    assert "attachment;" in resp["Content-Disposition"] and f".{fmt}" in resp["Content-Disposition"]
    return resp


def csv_rows(client: Client, url: str, **params: Any) -> list[list[str]]:
    """The CSV's rows (header first); the file starts with a byte-order mark for Excel."""
    resp = download(client, url, "csv", **params)
    raw = b"".join(resp.streaming_content) if resp.streaming else resp.content
    text = raw.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_sheets(client: Client, url: str, **params: Any) -> dict[str, list[list[Any]]]:
    """Each sheet's title and rows (header first), cell values as openpyxl reads them."""
    from openpyxl import load_workbook

    resp = download(client, url, "xlsx", **params)
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
