"""Default score sheets (counter service, phone service) and handbook pages; editable in the back office."""

from django.db import migrations

SHEETS = [
    (
        "营业厅柜台服务检查表",
        "Counter service inspection",
        [
            (
                "language",
                "主动问候，使用“您好”等文明用语",
                "Greets first, uses polite phrases",
                "普通话，先开口问候。",
                10,
            ),
            (
                "language",
                "使用规范用语，无服务忌语",
                "Standard phrases, no forbidden phrases",
                "如“我不管”“不知道”。",
                10,
            ),
            ("attitude", "微笑服务，耐心解答", "Smiles, answers patiently", "", 10),
            (
                "attitude",
                "首问负责，不推诿客户",
                "First-contact responsibility, never sends customers away",
                "",
                10,
            ),
            ("appearance", "统一着装，佩戴工号牌", "Uniform and badge", "", 10),
            ("appearance", "仪容整洁，举止端庄", "Neat and composed", "", 5),
            ("facilities", "营业厅整洁，标识清楚", "Clean hall, clear signs", "", 10),
            (
                "facilities",
                "公示服务承诺、办事流程和收费标准",
                "Commitments, procedures and fees displayed",
                "",
                10,
            ),
            (
                "facilities",
                "便民设施齐全完好",
                "Amenities complete and working",
                "座椅、饮水、老花镜、笔等。",
                5,
            ),
            (
                "quality",
                "业务办理准确，所需材料一次告知",
                "Accurate work, all missing materials told at once",
                "",
                10,
            ),
            ("quality", "在承诺时限内办结", "Done within the committed time", "", 10),
        ],
    ),
    (
        "热线电话服务检查表",
        "Phone service inspection",
        [
            ("language", "接听报“您好”和工号", "Answers with a greeting and badge number", "", 10),
            ("language", "使用规范用语，无服务忌语", "Standard phrases, no forbidden phrases", "", 10),
            ("language", "结束时说“谢谢，再见”", "Ends with thanks and goodbye", "", 10),
            ("attitude", "语气亲切耐心，不打断客户", "Friendly, patient, does not interrupt", "", 10),
            ("attitude", "客户激动时先安抚情绪", "Calms an upset customer first", "", 10),
            ("appearance", "吐字清晰，语速音量适中", "Clear voice, moderate pace and volume", "", 5),
            ("facilities", "铃响三声内接听", "Answered within three rings", "", 10),
            ("facilities", "通话录音完整", "Complete call recording", "", 5),
            ("quality", "准确记录客户信息和诉求", "Customer data and request recorded accurately", "", 15),
            ("quality", "答复准确，一次告知", "Correct answer, everything told at once", "", 15),
        ],
    ),
]

PAGES = [
    (
        "服务礼仪",
        "Service etiquette",
        "面对面和电话服务中的基本礼仪。",
        "主动问候“您好”\n使用“请”“谢谢”“对不起”“再见”\n统一着装，佩戴工号牌\n客户离开时道别",
        "与同事闲聊而让客户等候\n使用服务忌语\n在客户面前吃东西或玩手机",
        10,
    ),
    (
        "首问负责制",
        "First-contact responsibility",
        "第一位接待客户的员工负责到底，直到问题解决。",
        "记录客户诉求并登记工单\n需要其他部门处理时亲自转交并跟进\n一次告知所需的全部材料",
        "让客户“去问别人”\n分多次告知缺少的材料",
        20,
    ),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Sheet = apps.get_model("inspections", "ScoreSheet")
    Item = apps.get_model("inspections", "ScoreItem")
    Page = apps.get_model("inspections", "HandbookPage")
    # the models as of this migration have name_en/text_en; since 0003 (also kefu.demo, with the current
    # models) the English is in ``translations``
    json = any(f.name == "translations" for f in Sheet._meta.get_fields())
    for name, name_en, items in SHEETS:
        if Sheet.objects.filter(name=name).exists():
            continue
        sheet = Sheet.objects.create(
            name=name, **({"translations": {"en": {"name": name_en}}} if json else {"name_en": name_en})
        )
        for pos, (cat, text, text_en, desc, points) in enumerate(items, start=1):
            Item.objects.create(
                sheet=sheet,
                category=cat,
                text=text,
                **({"translations": {"en": {"text": text_en}}} if json else {"text_en": text_en}),
                description=desc,
                max_points=points,
                position=pos * 10,
            )
    # since 0005 the page's English title is in ``translations`` too (0006 dropped title_en)
    page_json = any(f.name == "translations" for f in Page._meta.get_fields())
    for title, title_en, body, dos, donts, pos in PAGES:
        english = {"translations": {"en": {"title": title_en}}} if page_json else {"title_en": title_en}
        Page.objects.get_or_create(
            title=title, defaults={**english, "body": body, "dos": dos, "donts": donts, "position": pos}
        )
    if any(f.name == "code" for f in Item._meta.get_fields()):  # the current models, as 0005 fills them
        import importlib

        importlib.import_module("kefu.inspections.migrations.0005_sheet_versions_item_codes").fill(
            apps, schema_editor
        )
    if page_json:  # the current model (kefu.demo, tests re-seeding a flushed database): every language
        from kefu.inspections.defaults import translate_handbook

        translate_handbook(Page)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
