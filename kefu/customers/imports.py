"""Import customers and their subscriptions from XLSX or CSV (``kefu import customers FILE``).

Columns (first non-empty row is the header; Chinese or English names, any order, case ignored):

=============  ===========================================  ==========================================
field          accepted headers                              rule
=============  ===========================================  ==========================================
number         客户编号, 编号, number, customer number        optional; new customers get ``KH…``
name           姓名, 名称, 客户名称, name                      required
phone          电话, 手机, 联系电话, phone, mobile             phone or e-mail required; normalised E.164
email          邮箱, 电子邮件, email, e-mail                  optional
address        地址, address                                 optional; sets the service area by keyword
area           片区, 片区编号, area, area code                optional; code of an area of the branch
product        产品, 业务, product                            optional; with it a subscription is added
start          开始, 开始日期, 开通日期, start, start date     required with a product
expiry         到期, 到期日期, expiry, expiry date             optional, not before the start
fee            月费, monthly fee, fee                         optional, ≥ 0
=============  ===========================================  ==========================================

Several rows with the same number (or, without numbers, the same phone) are one customer with several
subscriptions; their name, phone, e-mail and address must agree. Everything is validated first; if any
row has a problem nothing is imported. Duplicates are problems: the same phone or number for two different
customers in the file, or a number or phone already in the archive. Then all rows are written in one
transaction with the archive's normalisation, contact points and search index (``kefu.lib.search``), and one
service-log record for the whole import. Tiers are computed by the nightly recomputation.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.audit import log as audit
from kefu.customers import rules as customer_rules
from kefu.customers.actions import customer_search_text
from kefu.customers.models import ContactPoint, Customer, Subscription
from kefu.lib import clock, search
from kefu.organization.models import Branch, NumberSequence, ServiceArea
from kefu.organization.sequences import next_value

HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("客户编号", "编号", "number", "customer number", "customer no", "customer_number"),
    "name": ("姓名", "名称", "客户名称", "客户姓名", "name"),
    "phone": ("电话", "手机", "联系电话", "手机号", "phone", "mobile", "telephone"),
    "email": ("邮箱", "电子邮件", "email", "e-mail"),
    "address": ("地址", "address"),
    "area": ("片区", "片区编号", "area", "area code", "area_code"),
    "product": ("产品", "业务", "product"),
    "start": ("开始", "开始日期", "开通日期", "start", "start date", "start_date"),
    "expiry": ("到期", "到期日期", "expiry", "expiry date", "expiry_date"),
    "fee": ("月费", "monthly fee", "fee", "monthly_fee"),
}
_LOOKUP = {h.casefold(): f for f, names in HEADERS.items() for h in names}
FIELD_LABELS: dict[str, Any] = {
    "number": gettext_lazy("customer number"),
    "name": gettext_lazy("name"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("e-mail"),
    "address": gettext_lazy("address"),
    "area": gettext_lazy("area code"),
    "product": gettext_lazy("product"),
    "start": gettext_lazy("start"),
    "expiry": gettext_lazy("expiry"),
    "fee": gettext_lazy("monthly fee"),
}


def field_label(name: str) -> str:
    """The column's name in the current language (for the report)."""
    return str(FIELD_LABELS.get(name, name))


Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Problem:
    row: int  # line in the file (the header is line 1 when it is the first line)
    field: str
    message: str


@dataclass
class CustomerPlan:
    number: str
    name: str
    phone: str
    phone_e164: str
    email: str
    address: str
    area: ServiceArea | None
    since: dt.date | None = None
    rows: list[int] = field(default_factory=list)
    subscriptions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Result:
    rows: int = 0
    customers: int = 0
    subscriptions: int = 0
    problems: list[Problem] = field(default_factory=list)
    imported: bool = False
    customer_ids: list[int] = field(default_factory=list)


class ImportFileError(Exception):
    """The file cannot be read at all (format, encoding, missing columns)."""


# --- reading ----------------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GBK (read as its superset GB18030)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The file is neither UTF-8 nor GBK text.")) from exc


def read_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(line number, cells) of every row of the first sheet / the CSV, empty rows skipped."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
        try:
            ws = wb.worksheets[0]
            for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = list(row)
                if any(c not in (None, "") for c in cells):
                    yield i, cells
        finally:
            wb.close()
    elif suffix in (".csv", ".txt"):
        text = decode_csv(path.read_bytes())
        for i, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
            if any(c.strip() for c in cells):
                yield i, cells
    else:
        raise ImportFileError(_("Only .xlsx and .csv files can be imported."))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number in Excel
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return " ".join(str(value).split())


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for candidate, fmt in (
        (text.replace("/", "-").replace(".", "-"), "%Y-%m-%d"),
        (text, "%Y%m%d"),
        (text, "%Y年%m月%d日"),
    ):
        try:
            return dt.datetime.strptime(candidate, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(text)


# --- validation -------------------------------------------------------------------------------------------


def _columns(header: list[Any]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        f = _LOOKUP.get(_text(h).casefold())
        if f and f not in cols:
            cols[f] = i
    return cols


def validate(
    path: Path, branch: Branch, progress: Progress | None = None
) -> tuple[list[CustomerPlan], Result]:
    """Read and check every row; nothing is written. ``Result.problems`` lists what is wrong."""
    result = Result()
    rows = list(read_rows(path))
    if not rows:
        raise ImportFileError(_("The file has no rows."))
    _header_line, header = rows[0]
    cols = _columns(header)
    missing = [f for f in ("name",) if f not in cols]
    if "phone" not in cols and "email" not in cols:
        missing.append("phone")
    if missing:
        raise ImportFileError(
            _("Missing columns: %(list)s (see the documented headers).") % {"list": ", ".join(missing)}
        )
    areas = {a.code.casefold(): a for a in ServiceArea.objects.filter(branch=branch)}
    keyword_areas = [(kw, a) for a in areas.values() for kw in a.keywords() if kw]
    today = clock.localdate()
    plans: dict[str, CustomerPlan] = {}
    phone_owner: dict[str, tuple[str, int]] = {}  # e164 -> (plan key, first row)
    problems = result.problems
    data_rows = rows[1:]
    result.rows = len(data_rows)
    for n, (line, cells) in enumerate(data_rows, start=1):
        if progress and (n % 100 == 0 or n == len(data_rows)):
            progress(_("checking"), n, len(data_rows))

        def cell(f: str, cells: list[Any] = cells) -> Any:
            i = cols.get(f)
            return cells[i] if i is not None and i < len(cells) else None

        def bad(f: str, message: str, line: int = line) -> None:
            problems.append(Problem(line, f, message))

        number = _text(cell("number"))
        name = _text(cell("name"))
        phone = _text(cell("phone"))
        email = customer_rules.normalize_email(_text(cell("email")))
        address = _text(cell("address"))
        if not name:
            bad("name", _("Name is required."))
        elif len(name) > 200:
            bad("name", _("Name is longer than 200 characters."))
        if len(number) > 30:
            bad("number", _("The customer number is longer than 30 characters."))
        e164 = ""
        if phone:
            try:
                e164 = customer_rules.normalize_phone(phone)
            except customer_rules.InvalidPhone:
                bad("phone", _("“%(value)s” is not a valid phone number.") % {"value": phone})
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                bad("email", _("“%(value)s” is not a valid e-mail address.") % {"value": email})
        if not phone and not email:
            bad("phone", _("Give a phone number or an e-mail address."))
        area = None
        area_code = _text(cell("area"))
        if area_code:
            area = areas.get(area_code.casefold())
            if area is None:
                bad("area", _("No service area “%(code)s” in this branch.") % {"code": area_code})
        elif address:
            best = max(
                ((len(kw), a) for kw, a in keyword_areas if kw in address), default=None, key=lambda t: t[0]
            )
            area = best[1] if best else None
        sub = None
        product = _text(cell("product"))
        raw_start, raw_expiry, raw_fee = cell("start"), cell("expiry"), cell("fee")
        if product or any(_text(v) for v in (raw_start, raw_expiry, raw_fee)):
            start = expiry = None
            fee = Decimal("0")
            if not product:
                bad("product", _("Give the product of the subscription."))
            elif len(product) > 200:
                bad("product", _("The product is longer than 200 characters."))
            if not _text(raw_start):
                bad("start", _("Give the start date of the subscription."))
            else:
                try:
                    start = _date(raw_start)
                except ValueError:
                    bad(
                        "start",
                        _("“%(value)s” is not a date (use 2026-01-31).") % {"value": _text(raw_start)},
                    )
            if _text(raw_expiry):
                try:
                    expiry = _date(raw_expiry)
                except ValueError:
                    bad(
                        "expiry",
                        _("“%(value)s” is not a date (use 2026-01-31).") % {"value": _text(raw_expiry)},
                    )
            if start and expiry and expiry < start:
                bad("expiry", _("Expiry cannot be before the start."))
            if _text(raw_fee):
                try:
                    fee = Decimal(_text(raw_fee).replace(",", "").removeprefix("¥").removeprefix("￥"))
                    if not fee.is_finite():
                        raise InvalidOperation
                    if fee < 0:
                        bad("fee", _("The amount cannot be negative."))
                    elif fee >= Decimal("1e10"):
                        bad("fee", _("The amount is too large."))
                    fee = fee.quantize(Decimal("0.01"))
                except InvalidOperation:
                    bad("fee", _("“%(value)s” is not an amount.") % {"value": _text(raw_fee)})
            sub = {"product": product, "start_date": start, "expiry_date": expiry, "monthly_fee": fee}
        key = f"number:{number}" if number else (f"phone:{e164}" if e164 else f"row:{line}")
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = CustomerPlan(number, name, phone, e164, email, address, area)
        elif (plan.name, plan.phone_e164, plan.email) != (name, e164, email) or (
            address and plan.address and address != plan.address
        ):
            bad(
                "number" if number else "phone",
                _("Same customer as row %(row)d but with different details.") % {"row": plan.rows[0]},
            )
        plan.rows.append(line)
        if sub is not None:
            plan.subscriptions.append(sub)
        if e164:
            owner = phone_owner.setdefault(e164, (key, line))
            if owner[0] != key:
                bad("phone", _("Duplicate: the same phone as row %(row)d.") % {"row": owner[1]})
    _check_archive(plans, problems)
    for plan in plans.values():
        dates = [s["start_date"] for s in plan.subscriptions if s["start_date"]]
        plan.subscriptions = [s for s in plan.subscriptions if s["start_date"]]
        plan_since = min(dates) if dates else today
        plan.since = min(plan_since, today)
    problems.sort(key=lambda p: (p.row, p.field))
    result.customers = len(plans)
    result.subscriptions = sum(len(p.subscriptions) for p in plans.values())
    return list(plans.values()), result


def _check_archive(plans: dict[str, CustomerPlan], problems: list[Problem]) -> None:
    """Numbers and phones already in the archive (customer's own phone or any contact point)."""
    numbers = {p.number: p for p in plans.values() if p.number}
    for chunk in _chunks(list(numbers), 500):
        for num in Customer.objects.filter(number__in=chunk).values_list("number", flat=True):
            p = numbers[num]
            problems.append(
                Problem(
                    p.rows[0],
                    "number",
                    _("Duplicate: customer %(number)s is already in the archive.") % {"number": num},
                )
            )
    phones = {p.phone_e164: p for p in plans.values() if p.phone_e164}
    for chunk in _chunks(list(phones), 500):
        found: dict[str, str] = {}
        for e164, num in Customer.objects.filter(phone_e164__in=chunk, merged_into__isnull=True).values_list(
            "phone_e164", "number"
        ):
            found.setdefault(e164, num)
        for e164, num in ContactPoint.objects.filter(
            kind=ContactPoint.Kind.PHONE, normalized__in=chunk, customer__merged_into__isnull=True
        ).values_list("normalized", "customer__number"):
            found.setdefault(e164, num)
        for e164, num in found.items():
            p = phones[e164]
            problems.append(
                Problem(
                    p.rows[0],
                    "phone",
                    _("Duplicate: the phone belongs to customer %(number)s in the archive.")
                    % {"number": num},
                )
            )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- writing ----------------------------------------------------------------------------------------------


def _allocate_numbers(count: int) -> list[str]:
    """``count`` consecutive customer numbers from the shared counter (inside the transaction)."""
    if count <= 0:
        return []
    first = next_value("customer")
    if count > 1:
        NumberSequence.objects.filter(key="customer").update(value=F("value") + (count - 1))
    return [f"KH{first + i:08d}" for i in range(count)]


def run_import(
    path: Path,
    branch: Branch,
    *,
    actor: Any = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> Result:
    """Validate everything; then, unless there is a problem or ``dry_run``, import all in one transaction."""
    plans, result = validate(path, branch, progress)
    if result.problems or dry_run:
        return result
    with transaction.atomic():
        numbers = iter(_allocate_numbers(sum(1 for p in plans if not p.number)))
        now = clock.now()
        customers = []
        for p in plans:
            c = Customer(
                number=p.number or next(numbers),
                name=p.name,
                phone=p.phone,
                phone_e164=p.phone_e164,
                email=p.email,
                address=p.address,
                branch=branch,
                area=p.area,
                customer_since=p.since or now.date(),
                created_at=now,
                updated_at=now,
            )
            c.search_text = customer_search_text(c)
            customers.append(c)
        created: list[Customer] = []
        for i in range(0, len(customers), 500):
            created += Customer.objects.bulk_create(customers[i : i + 500])
            if progress:
                progress(_("importing"), len(created), len(customers))
        points, subs = [], []
        for c, p in zip(created, plans, strict=True):
            if c.phone_e164:
                points.append(
                    ContactPoint(
                        customer=c,
                        kind=ContactPoint.Kind.PHONE,
                        value=c.phone,
                        normalized=c.phone_e164,
                        label="primary",
                    )
                )
            if c.email:
                points.append(
                    ContactPoint(
                        customer=c,
                        kind=ContactPoint.Kind.EMAIL,
                        value=c.email,
                        normalized=c.email,
                        label="primary",
                    )
                )
            subs += [Subscription(customer=c, created_at=now, **s) for s in p.subscriptions]
        ContactPoint.objects.bulk_create(points, batch_size=500)
        Subscription.objects.bulk_create(subs, batch_size=500)
        search.sync_many(Customer, [(c.pk, c.search_text) for c in created])
        audit.record(
            actor,
            "customer.import",
            object_type="customers.customer",
            object_id="",
            after={
                "file": path.name,
                "branch": branch.code,
                "rows": result.rows,
                "customers": len(created),
                "subscriptions": len(subs),
                "numbers": [created[0].number, created[-1].number] if created else [],
            },
            summary=_("%(n)d customers imported from %(file)s") % {"n": len(created), "file": path.name},
        )
    result.imported = True
    result.customer_ids = [c.pk for c in created]
    return result


def write_report(problems: list[Problem], target: Path) -> None:
    """The problems as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([_("row"), _("field"), _("problem")])
        for p in problems:
            w.writerow([p.row, field_label(p.field), p.message])
