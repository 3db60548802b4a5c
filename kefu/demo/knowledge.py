"""A little demo data for the knowledge base and the roster (called by kefu.demo.load_demo, inside its
transaction): FAQ categories and articles written through the action by a supervisor (public and internal,
Chinese and English, one draft), and day shifts of the agents for the last two weeks."""

from __future__ import annotations

import datetime as dt

from kefu.knowledge.actions import ArticleInput, do_save_article
from kefu.knowledge.models import Category, Shift
from kefu.lib import clock
from kefu.organization.models import Staff

CATEGORIES = [
    ("缴费与账单", "Payments and bills", 1),
    ("故障报修", "Faults and repairs", 2),
    ("业务办理", "Services", 3),
]

ARTICLES = [
    # (category index, title, body, audience, language, service terms, published)
    (
        0,
        "如何缴纳燃气费？",
        "可在营业厅、网上营业厅、微信或银行代扣缴费；缴费后一般即时到账。",
        "customers",
        "zh-hans",
        "缴费免手续费",
        True,
    ),
    (
        0,
        "怎样申请退款？",
        "请携带身份证和缴费凭证到营业厅办理，或拨打热线申请；退款在三个工作日内原路退回。",
        "customers",
        "zh-hans",
        "办理退款免费",
        True,
    ),
    (
        1,
        "宽带无法上网怎么办？",
        "请先重启光猫和路由器，检查网线是否插好；若光猫指示灯不亮或闪红灯，请在网上报修或拨打热线。",
        "customers",
        "zh-hans",
        "保修期内上门维修免费；保修期外上门费50元起",
        True,
    ),
    (
        1,
        "闻到燃气味怎么办？",
        "立即关闭燃气总阀，打开门窗通风，不要开关电器、不要使用明火，到室外拨打抢修电话。",
        "customers",
        "zh-hans",
        "抢修免费",
        True,
    ),
    (
        2,
        "新装燃气需要哪些材料？",
        "户主身份证、房产证或购房合同、开户申请表；一次性告知所需全部材料。",
        "customers",
        "zh-hans",
        "开户费按物价部门核定标准收取",
        True,
    ),
    (
        0,
        "How do I pay my gas bill?",
        "Pay at any outlet, on the web portal, by WeChat or by bank direct debit; payments arrive at once.",
        "customers",
        "en",
        "No fee for paying",
        True,
    ),
    (
        1,
        "What to do if you smell gas",
        "Close the main valve, open the windows, do not switch anything electric, and call the emergency line from outside.",
        "customers",
        "en",
        "Emergency repair is free",
        True,
    ),
    (
        0,
        "退款审批流程（内部）",
        "500元以下由班长审批，500元以上需分公司主管审批；审批后在系统中登记退款单号。",
        "internal",
        "zh-hans",
        "",
        True,
    ),
    (1, "上门维修收费标准（草稿）", "待价格部门确认。", "internal", "zh-hans", "", False),
]


def load() -> None:
    editor = (
        Staff.objects.filter(role__in=["supervisor", "admin"], is_active=True).order_by("-role", "id").first()
    )
    if editor is None:
        return
    cats = [
        Category.objects.get_or_create(name=n, defaults={"name_en": e, "position": p})[0]
        for n, e, p in CATEGORIES
    ]
    for ci, title, body, audience, language, terms, published in ARTICLES:
        do_save_article(
            editor.user,
            ArticleInput(
                title=title,
                body=body,
                audience=audience,
                language=language,
                category_id=cats[ci].pk,
                service_terms=terms,
                published=published,
            ),
        )
    today = clock.localdate()
    agents = list(Staff.objects.filter(role="agent", is_active=True).order_by("id"))
    shifts = []
    for back in range(1, 15):
        day = today - dt.timedelta(days=back)
        if day.weekday() == 6:
            continue
        for i, a in enumerate(agents):
            early = i % 2 == 0
            start, end = (dt.time(8, 0), dt.time(16, 30)) if early else (dt.time(9, 30), dt.time(18, 0))
            shifts.append(Shift(staff=a, date=day, start=start, end=end))
    # the technicians' 24-hour duty roster (emergency call-out, kefu.knowledge.duty): per branch, one
    # technician on the day shift 08:00–20:00 and one on the night shift 20:00–08:00, swapping daily,
    # from two weeks back to two weeks ahead
    by_branch: dict[int, list[Staff]] = {}
    for t in Staff.objects.filter(role="technician", is_active=True).order_by("id"):
        by_branch.setdefault(t.branch_id or 0, []).append(t)
    for back in range(-14, 15):
        day = today - dt.timedelta(days=back)
        for techs in by_branch.values():
            if len(techs) < 2:
                continue
            first, second = (techs[0], techs[1]) if day.toordinal() % 2 == 0 else (techs[1], techs[0])
            shifts.append(Shift(staff=first, date=day, start=dt.time(8, 0), end=dt.time(20, 0)))
            shifts.append(Shift(staff=second, date=day, start=dt.time(20, 0), end=dt.time(8, 0)))
    Shift.objects.bulk_create(shifts)
