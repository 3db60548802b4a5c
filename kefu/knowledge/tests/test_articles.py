"""Knowledge base: saving articles (sanitised, audited, indexed), Chinese substring search on both
databases, the portal FAQ, the console pages and the suggestions on the order page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from kefu.audit.models import AuditRecord
from kefu.knowledge import actions, rules
from kefu.knowledge.actions import ArticleInput, do_save_article
from kefu.knowledge.models import Article, Category
from kefu.lib.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def client_for(staff, lang: str = "en") -> Client:  # type: ignore[no-untyped-def]
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    c.force_login(staff.user)
    return c


def anon(lang: str = "zh-hans") -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return c


def article(world, title: str, body: str, **kw) -> Article:  # type: ignore[no-untyped-def]
    kw.setdefault("published", True)
    return do_save_article(world.supervisor.user, ArticleInput(title=title, body=body, **kw))


@pytest.fixture
def kb(world):  # type: ignore[no-untyped-def]
    cat = Category.objects.create(name="账单与费用", name_en="Bills and fees", position=1)
    return {
        "refund": article(
            world,
            "如何申请退款？",
            "在营业厅或热线办理退款，三个工作日内原路退回。",
            category_id=cat.pk,
            service_terms="免费办理",
        ),
        "broadband": article(
            world,
            "宽带无法上网怎么办？",
            "请先重启光猫和路由器；指示灯不亮请报修。",
            service_terms="保修期内免费；保修期外上门费50元起",
        ),
        "internal": article(
            world, "退款审批流程（内部）", "超过500元的退款需主管审批。", audience="internal"
        ),
        "draft": article(world, "退款草稿", "未发布的退款说明。", published=False),
        "en": article(
            world, "How do I get a refund?", "Call the hotline; refunds take three days.", language="en"
        ),
    }


def test_save_sanitises_html_audits_and_requires_capability(world) -> None:  # type: ignore[no-untyped-def]
    a = article(
        world,
        "  停气通知  ",
        '<p onclick="x()">计划检修<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p>',
        body_format="html",
    )
    assert a.title == "停气通知"
    assert "<script" not in a.body and "onclick" not in a.body and "javascript:" not in a.body
    assert "计划检修" in a.body and "计划检修" in a.search_text
    rec = AuditRecord.objects.get(action="knowledge.article_create", object_id=str(a.pk))
    assert rec.actor == world.supervisor.user
    # an unchanged save writes nothing; a change is audited with before/after
    do_save_article(
        world.supervisor.user,
        ArticleInput(title="停气通知", body=a.body, body_format="html", published=True),
        a.pk,
    )
    assert not AuditRecord.objects.filter(action="knowledge.article_update").exists()
    do_save_article(
        world.supervisor.user,
        ArticleInput(title="停气通知（更新）", body=a.body, body_format="html", published=True),
        a.pk,
    )
    rec = AuditRecord.objects.get(action="knowledge.article_update")
    assert rec.before is not None
    assert rec.after is not None
    assert rec.before["title"] == "停气通知" and rec.after["title"] == "停气通知（更新）"
    assert "body" not in rec.after
    with pytest.raises(PermissionDenied):
        do_save_article(world.agent.user, ArticleInput(title="x", body="y"))
    with pytest.raises(ValidationFailed) as exc:
        do_save_article(
            world.supervisor.user, ArticleInput(title="", body="<script>x</script>", body_format="html")
        )
    assert {e.field for e in exc.value.errors} == {"title", "body"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("退款", {"refund"}),  # 2 characters
        ("宽带", {"broadband"}),
        ("上门费", {"broadband"}),  # 3 characters, in the service terms
        ("光猫和路", {"broadband"}),  # 4 characters, in the body
        ("申请 退款", {"refund"}),  # two words: both must occur
        ("退", {"refund"}),  # one character: LIKE alone
        ("赔付", set()),
        ("REFUND", set()),  # English articles are not in the Chinese list
    ],
)
def test_portal_search_chinese_substrings(world, kb, query, expected) -> None:  # type: ignore[no-untyped-def]
    qs = actions.search_articles(
        Article.objects.filter(published=True, audience="customers", language="zh-hans"), query
    )
    assert {k for k, a in kb.items() if a in set(qs)} == expected


def test_portal_faq_page_is_public_and_hides_internal_and_drafts(world, kb) -> None:  # type: ignore[no-untyped-def]
    body = anon().get("/portal/faq/?q=退款").content.decode()
    assert "如何申请退款？" in body
    assert "退款审批流程" not in body and "退款草稿" not in body
    body = anon().get("/portal/faq/").content.decode()
    assert "宽带无法上网怎么办？" in body and "How do I get a refund?" not in body
    assert "账单与费用" in body
    r = anon().get(f"/portal/faq/{kb['broadband'].pk}/")
    assert r.status_code == 200
    assert "保修期外上门费50元起" in r.content.decode()
    assert anon().get(f"/portal/faq/{kb['internal'].pk}/").status_code == 404
    assert anon().get(f"/portal/faq/{kb['draft'].pk}/").status_code == 404
    # English visitors get the English articles; a search with no English hit looks in Chinese too
    body = anon("en").get("/portal/faq/").content.decode()
    assert "How do I get a refund?" in body and "宽带无法上网" not in body
    body = anon("en").get("/portal/faq/?q=宽带").content.decode()
    assert "宽带无法上网怎么办？" in body


def test_console_list_for_agents_and_editors(world, kb) -> None:  # type: ignore[no-untyped-def]
    body = client_for(world.agent).get("/knowledge/?q=退款").content.decode()
    assert "如何申请退款？" in body and "退款审批流程（内部）" in body and "退款草稿" not in body
    assert 'id="kb-new"' not in body
    body = client_for(world.supervisor).get("/knowledge/?q=退款").content.decode()
    assert "退款草稿" in body and 'id="kb-new"' in body
    assert client_for(world.agent).get(f"/knowledge/{kb['draft'].pk}/").status_code == 404
    assert client_for(world.agent).get("/knowledge/new/").status_code == 404
    body = client_for(world.agent).get("/knowledge/?audience=internal").content.decode()
    assert body.count('data-testid="kb-row"') == 1


def test_console_create_and_edit_through_the_form(world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(world.supervisor)
    r = c.post(
        "/knowledge/new/",
        {"title": "", "body": "x", "body_format": "text", "audience": "customers", "language": "zh-hans"},
    )
    assert r.status_code == 200 and "error" in r.content.decode()
    r = c.post(
        "/knowledge/new/",
        {
            "title": "燃气表不走字",
            "body": "请检查阀门是否打开。",
            "body_format": "text",
            "audience": "customers",
            "language": "zh-hans",
            "service": world.service_fault.pk,
            "service_terms": "免费检查",
            "published": "on",
        },
    )
    a = Article.objects.get(title="燃气表不走字")
    assert r.status_code == 302 and r["Location"] == f"/knowledge/{a.pk}/"
    assert a.published and a.service == world.service_fault and a.updated_by == world.supervisor
    r = c.post(
        f"/knowledge/{a.pk}/edit/",
        {
            "title": "燃气表不走字怎么办",
            "body": "请检查阀门。",
            "body_format": "text",
            "audience": "internal",
            "language": "zh-hans",
        },
    )
    a.refresh_from_db()
    assert (a.title, a.audience, a.published) == ("燃气表不走字怎么办", "internal", False)
    assert "燃气表不走字怎么办" in c.get("/knowledge/new/?title=燃气表不走字怎么办").content.decode()


def test_rank_articles_prefers_title_and_rare_pairs() -> None:
    docs = [
        rules.Doc(1, "如何申请退款？", "如何申请退款？ 在营业厅办理退款"),
        rules.Doc(2, "宽带无法上网怎么办？", "宽带无法上网怎么办？ 请重启光猫"),
        rules.Doc(3, "营业厅地址", "营业厅地址 营业厅在和平里"),
    ]
    ranked = rules.rank_articles("客户来电：宽带故障，无法上网", docs)
    assert [m.id for m in ranked] == [2]
    assert [m.id for m in rules.rank_articles("我要退款", docs)] == [1]
    assert rules.rank_articles("你好", docs) == []
    assert rules.rank_articles("营业厅怎么走", docs)[0].id == 3
    assert rules.rank_articles("燃气费怎么交", docs) == []  # only 怎么 in common
    assert rules.rank_articles("", docs) == []


def test_suggestions_for_an_order_and_the_reply_text(world, kb) -> None:  # type: ignore[no-untyped-def]
    o = world.order(world.customer())  # 宽带无法上网 / 宽带故障，灯不亮
    c = client_for(world.agent)
    page = c.get(f"/orders/{o.number}/").content.decode()
    assert 'id="kb-suggestions"' in page
    body = c.get(f"/knowledge/suggest/{o.number}/").content.decode()
    assert "宽带无法上网怎么办？" in body
    assert "退款" not in body
    body = c.get(
        f"/knowledge/suggest/{o.number}/", {"body": "您好，退款将在三个工作日内原路退回"}
    ).content.decode()
    assert body.index("如何申请退款？") < body.index("宽带无法上网怎么办？")
    assert "退款草稿" not in body
    # an order of another branch is not found
    south = world.order(world.customer("钱七", "13600136000", branch=world.south))
    assert c.get(f"/knowledge/suggest/{south.number}/").status_code == 404


def test_portal_groups_by_category_and_shows_sanitised_html(world) -> None:  # type: ignore[no-untyped-def]
    gas = Category.objects.create(name="燃气", position=5)
    water = Category.objects.create(name="用水", position=5)
    article(world, "A燃气问题", "答", category_id=gas.pk)
    article(world, "B用水问题", "答", category_id=water.pk)
    article(world, "C燃气问题", "答", category_id=gas.pk)
    html = article(
        world,
        "D停气通知",
        '<p>计划<strong>检修</strong></p><img src=x onerror="alert(1)"><script>alert(2)</script>',
        body_format="html",
        category_id=water.pk,
    )
    body = anon().get("/portal/faq/").content.decode()
    # each category once, its articles together
    assert body.count("<h2>燃气</h2>") == 1 and body.count("<h2>用水</h2>") == 1
    assert body.index("A燃气问题") < body.index("C燃气问题") < body.index("<h2>用水</h2>")
    page = anon().get(f"/portal/faq/{html.pk}/").content.decode()
    assert "<strong>检修</strong>" in page
    assert "onerror" not in page and "alert(2)" not in page
