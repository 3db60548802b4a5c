"""``kefu import customers``: real XLSX and CSV files (UTF-8 with BOM, GBK), validation report, all or
nothing, duplicates within the file and against the archive, search index, one audit record, 5,000 rows."""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from kefu.audit.models import AuditRecord
from kefu.cli import main
from kefu.customers.imports import ImportFileError, run_import
from kefu.customers.models import ContactPoint, Customer, Subscription
from kefu.lib import search

pytestmark = pytest.mark.django_db(transaction=False)

ZH_HEADER: list[object] = ["客户编号", "姓名", "电话", "地址", "片区", "产品", "开始", "到期", "月费"]
EN_HEADER: list[object] = [
    "Number",
    "Name",
    "Phone",
    "Address",
    "Area code",
    "Product",
    "Start",
    "Expiry",
    "Monthly fee",
]


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


GOOD: list[list[object]] = [
    ZH_HEADER,
    ["C-001", "刘备", "13911112222", "北京市和平里3号楼", "", "宽带100M", "2025-01-01", "2026-12-31", "99"],
    ["C-001", "刘备", "13911112222", "北京市和平里3号楼", "", "有线电视", "2025-03-01", "", "25.5"],
    ["", "关羽", 13922223333, "北苑路8号", "n2", "燃气", dt.datetime(2024, 6, 1), None, None],
    ["", "张飞", "+86 139 3333 4444", "", "", "", "", "", ""],
]


def test_xlsx_import_creates_customers_subscriptions_index_and_one_audit(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "customers.xlsx", GOOD)
    result = run_import(path, world.north, actor=world.supervisor.user)
    assert result.imported and not result.problems
    assert (result.rows, result.customers, result.subscriptions) == (4, 3, 3)
    liu = Customer.objects.get(number="C-001")
    assert (liu.name, liu.phone_e164, liu.branch, liu.area) == (
        "刘备",
        "+8613911112222",
        world.north,
        world.area_n1,
    )
    assert liu.customer_since == dt.date(2025, 1, 1)
    subs = {s.product: s for s in Subscription.objects.filter(customer=liu)}
    assert subs["宽带100M"].expiry_date == dt.date(2026, 12, 31)
    assert subs["有线电视"].monthly_fee == Decimal("25.50") and subs["有线电视"].expiry_date is None
    guan = Customer.objects.get(name="关羽")
    assert guan.number.startswith("KH") and guan.phone_e164 == "+8613922223333" and guan.area == world.area_n2
    zhang = Customer.objects.get(name="张飞")
    assert zhang.phone_e164 == "+8613933334444" and zhang.customer_since == timezone.localdate()
    assert ContactPoint.objects.filter(
        customer=zhang, kind="phone", normalized="+8613933334444", label="primary"
    ).exists()
    # findable like any customer: by a 2-character name substring and by phone digits
    assert list(search.filter_queryset(Customer.objects.all(), "关羽")) == [guan]
    assert list(search.filter_queryset(Customer.objects.all(), "13933334444")) == [zhang]
    recs = AuditRecord.objects.filter(action="customer.import")
    assert recs.count() == 1
    assert recs[0].after is not None
    assert recs[0].after["customers"] == 3 and recs[0].after["file"] == "customers.xlsx"
    assert recs[0].actor == world.supervisor.user


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_encodings_and_english_headers(world, tmp_path, encoding) -> None:  # type: ignore[no-untyped-def]
    rows: list[list[object]] = [
        EN_HEADER,
        ["", "诸葛亮", "13812345678", "南阳卧龙岗", "", "宽带", "2024/05/01", "2025/04/30", "1,200.00"],
        ["", "赵云", "13812345679", "常山", "n1", "", "", "", ""],
    ]
    path = write_csv(tmp_path / f"c-{encoding}.csv", rows, encoding)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # really not UTF-8
    result = run_import(path, world.north)
    assert result.imported, result.problems
    zhuge = Customer.objects.get(name="诸葛亮")
    sub = zhuge.subscriptions.get()
    assert (sub.product, sub.start_date, sub.expiry_date, sub.monthly_fee) == (
        "宽带",
        dt.date(2024, 5, 1),
        dt.date(2025, 4, 30),
        Decimal("1200.00"),
    )
    assert Customer.objects.get(name="赵云").area == world.area_n1
    assert list(search.filter_queryset(Customer.objects.all(), "诸葛")) == [zhuge]


def test_file_with_errors_imports_nothing_and_reports_every_row(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    existing = world.customer("老客户", "13700001111")
    rows: list[list[object]] = [
        ZH_HEADER,
        ["", "", "13911110000", "", "", "", "", "", ""],  # 2: no name
        ["", "王五", "12345", "", "", "", "", "", ""],  # 3: bad phone
        ["", "赵六", "13911110001", "", "zz", "宽带", "2025-13-01", "", "-5"],  # 4: area, start, fee
        ["", "孙七", "13911110002", "", "", "宽带", "2025-02-01", "2025-01-01", ""],  # 5: expiry < start
        ["", "周八", "13911110003", "", "", "", "", "", ""],  # 6: fine
        ["X-9", "吴九", "13911110003", "", "", "", "", "", ""],  # 7: same phone as row 6
        ["", "郑十", "13700001111", "", "", "", "", "", ""],  # 8: phone already in the archive
        [existing.number, "钱一", "13911110004", "", "", "", "", "", ""],  # 9: number in the archive
        ["C-1", "冯二", "13911110005", "", "", "", "", "", ""],  # 10
        ["C-1", "陈三", "13911110005", "", "", "产品", "2025-01-01", "", ""],  # 11: same number, other name
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = Customer.objects.count()
    result = run_import(path, world.north)
    assert not result.imported
    assert (
        Customer.objects.count() == before
        and not AuditRecord.objects.filter(action="customer.import").exists()
    )
    got = {(p.row, p.field) for p in result.problems}
    assert got == {
        (2, "name"),
        (3, "phone"),
        (4, "area"),
        (4, "start"),
        (4, "fee"),
        (5, "expiry"),
        (7, "phone"),
        (8, "phone"),
        (9, "number"),
        (11, "number"),
    }
    msg = {(p.row, p.field): p.message for p in result.problems}
    assert "6" in msg[(7, "phone")] and existing.number in msg[(8, "phone")]
    with translation.override("en"):
        english = {(p.row, p.field): p.message for p in run_import(path, world.north).problems}
    assert "row 6" in english[(7, "phone")]


def test_cli_dry_run_report_language_and_progress(world, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = write_csv(tmp_path / "bad.csv", [ZH_HEADER, ["", "", "139", "", "", "", "", "", ""]], "utf-8-sig")
    report = tmp_path / "report.csv"
    code = main(
        ["import", "customers", str(bad), "--branch", "north", "--report", str(report), "--lang", "en"]
    )
    out = capsys.readouterr()
    assert code == 1
    assert "row 2, name: Name is required." in out.out
    assert "nothing imported" in out.err and "checking" in out.err
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,field,problem" and len(lines) == 3
    good = write_xlsx(tmp_path / "good.xlsx", GOOD)
    assert main(["import", "customers", str(good), "--branch", "north", "--dry-run", "--lang", "en"]) == 0
    assert "Dry run: 4 rows are valid (3 customers, 3 subscriptions)" in capsys.readouterr().out
    assert not Customer.objects.filter(name="关羽").exists()
    assert main(["import", "customers", str(good), "--lang", "en"]) == 2  # two branches: --branch needed
    assert main(["import", "customers", str(good), "--branch", "nowhere", "--lang", "en"]) == 2
    assert main(["import", "customers", str(good), "--branch", "north", "--lang", "en"]) == 0
    assert "Imported 3 customers and 3 subscriptions from 4 rows" in capsys.readouterr().out
    # the same file again: every customer is now a duplicate of the archive
    assert main(["import", "customers", str(good), "--branch", "north", "--lang", "en"]) == 1
    assert Customer.objects.filter(name="关羽").count() == 1


def test_unreadable_files(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "x.xlsx").write_bytes(b"not a zip")
    with pytest.raises(ImportFileError):
        run_import(tmp_path / "x.xlsx", world.north)
    (tmp_path / "x.ods").write_bytes(b"")
    with pytest.raises(ImportFileError):
        run_import(tmp_path / "x.ods", world.north)
    no_name = write_csv(tmp_path / "n.csv", [["电话"], ["13911112222"]], "utf-8")
    with pytest.raises(ImportFileError, match="name"):
        run_import(no_name, world.north)


def test_five_thousand_rows(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows: list[list[object]] = [ZH_HEADER]
    for i in range(5000):
        rows.append(
            ["", f"客户{i:04d}", f"139{i:08d}", f"和平里{i}号", "", "宽带", "2025-01-01", "2026-01-01", "50"]
        )
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    started = time.monotonic()
    result = run_import(path, world.north)
    took = time.monotonic() - started
    assert result.imported and result.customers == 5000 and result.subscriptions == 5000
    assert Customer.objects.filter(branch=world.north, area=world.area_n1).count() >= 5000
    assert Subscription.objects.filter(product="宽带").count() == 5000
    numbers = sorted(Customer.objects.filter(name__startswith="客户").values_list("number", flat=True))
    assert len(set(numbers)) == 5000
    assert list(search.filter_queryset(Customer.objects.all(), "客户4321")) == [
        Customer.objects.get(name="客户4321")
    ]
    print(f"5,000-row XLSX import: {took:.1f} s")  # noqa: T201
    assert took < 120
