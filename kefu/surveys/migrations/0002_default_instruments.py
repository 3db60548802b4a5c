"""Default instruments: CSAT, NPS and the 22-item SERVQUAL (Parasuraman, Zeithaml & Berry 1988; wording
adapted to a utility's customer service), in Chinese and English, and the default rule: a CSAT survey after
every resolution. Edit or replace them in the back office."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SERVQUAL = [
    # (item, dimension, Chinese, English)
    (1, "tangibles", "有现代化的服务设施和设备", "The company has modern-looking equipment."),
    (2, "tangibles", "营业场所的设施外观整洁、吸引人", "Its physical facilities are visually appealing."),
    (3, "tangibles", "员工着装整洁、仪表得体", "Its employees are neat-appearing."),
    (4, "tangibles", "与服务有关的资料（通知、账单、说明）清楚美观", "Materials about the service (notices, bills, leaflets) are clear and appealing."),
    (5, "reliability", "承诺在某个时间内完成的事，都能按时做到", "When it promises to do something by a certain time, it does so."),
    (6, "reliability", "您遇到问题时，真诚地帮助您解决", "When you have a problem, it shows a sincere interest in solving it."),
    (7, "reliability", "第一次就把服务做好", "It performs the service right the first time."),
    (8, "reliability", "在承诺的时间提供服务", "It provides its services at the time it promises to do so."),
    (9, "reliability", "坚持记录准确无误", "It insists on error-free records."),
    (10, "responsiveness", "员工确切地告诉您服务什么时候进行", "Employees tell you exactly when services will be performed."),
    (11, "responsiveness", "员工为您提供及时的服务", "Employees give you prompt service."),
    (12, "responsiveness", "员工总是乐意帮助您", "Employees are always willing to help you."),
    (13, "responsiveness", "员工从不因为太忙而不回应您的要求", "Employees are never too busy to respond to your requests."),
    (14, "assurance", "员工的言行让您信任", "The behaviour of employees instils confidence in you."),
    (15, "assurance", "您在办理业务时感到放心", "You feel safe in your transactions with the company."),
    (16, "assurance", "员工始终对您礼貌周到", "Employees are consistently courteous with you."),
    (17, "assurance", "员工有足够的知识回答您的问题", "Employees have the knowledge to answer your questions."),
    (18, "empathy", "给予您个别的关注", "The company gives you individual attention."),
    (19, "empathy", "营业时间方便所有客户", "It has operating hours convenient to all its customers."),
    (20, "empathy", "有员工给予您个人化的关照", "It has employees who give you personal attention."),
    (21, "empathy", "把您的利益放在心上", "It has your best interests at heart."),
    (22, "empathy", "员工了解您的具体需要", "Employees understand your specific needs."),
]

COMMENT = ("还有什么想告诉我们的吗？", "Anything else you would like to tell us?")


def seed(apps: Any, schema_editor: Any) -> None:
    Survey = apps.get_model("surveys", "Survey")
    Question = apps.get_model("surveys", "Question")
    SurveyRule = apps.get_model("surveys", "SurveyRule")
    if Survey.objects.filter(code__in=["csat", "nps", "servqual"]).exists():
        return
    csat = Survey.objects.create(
        code="csat",
        name="服务满意度调查",
        name_en="Satisfaction survey",
        intro="感谢您使用我们的服务。请花一分钟告诉我们您的感受。",
        intro_en="Thank you for using our service. Please take a minute to tell us how it went.",
    )
    Question.objects.create(
        survey=csat,
        position=1,
        kind="csat",
        text="您对这次服务的总体满意程度如何？（1 = 非常不满意，5 = 非常满意）",
        text_en="Overall, how satisfied are you with this service? (1 = very dissatisfied, 5 = very satisfied)",
    )
    Question.objects.create(survey=csat, position=2, kind="text", text=COMMENT[0], text_en=COMMENT[1], required=False)
    nps = Survey.objects.create(
        code="nps",
        name="推荐意愿调查",
        name_en="Recommendation survey",
        intro="请告诉我们您向亲友推荐我们的可能性。",
        intro_en="Please tell us how likely you are to recommend us.",
    )
    Question.objects.create(
        survey=nps,
        position=1,
        kind="nps",
        text="您有多大可能向朋友或同事推荐我们？（0 = 完全不可能，10 = 非常可能）",
        text_en="How likely is it that you would recommend us to a friend or colleague? (0 = not at all likely, 10 = extremely likely)",
    )
    Question.objects.create(survey=nps, position=2, kind="text", text=COMMENT[0], text_en=COMMENT[1], required=False)
    sq = Survey.objects.create(
        code="servqual",
        name="服务质量调查（SERVQUAL）",
        name_en="Service quality survey (SERVQUAL)",
        intro="以下每一项请分别打两个分：一家优秀的公司应当做到的程度（期望），以及我们实际做到的程度（感知）。1 = 非常不同意，7 = 非常同意。",
        intro_en=(
            "Please rate each statement twice: how far an excellent company would do this (expectation), and "
            "how far we did (perception). 1 = strongly disagree, 7 = strongly agree."
        ),
        ask_importance=True,
    )
    for item, dim, zh, en in SERVQUAL:
        Question.objects.create(
            survey=sq, position=item, kind="servqual", text=zh, text_en=en, dimension=dim, item_no=item
        )
    Question.objects.create(survey=sq, position=23, kind="text", text=COMMENT[0], text_en=COMMENT[1], required=False)
    SurveyRule.objects.create(survey=csat, trigger="resolution", expiry_days=14, priority=100)


def unseed(apps: Any, schema_editor: Any) -> None:
    Survey = apps.get_model("surveys", "Survey")
    SurveyRule = apps.get_model("surveys", "SurveyRule")
    SurveyRule.objects.filter(survey__code__in=["csat", "nps", "servqual"]).delete()
    Survey.objects.filter(code__in=["csat", "nps", "servqual"], invitations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
