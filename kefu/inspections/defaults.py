"""The default score sheets in the four languages (docs/adr/0008-content-translations.md).

Migration 0002 created the sheets with their Simplified Chinese and English texts; migration 0003 moved the
English into ``translations`` and added Hungarian and Traditional Chinese (OpenCC ``s2twp``, Taiwan usage, as
``scripts/i18n_update.py`` converts the interface). :func:`seed` recreates missing sheets (a demo database
whose sheets were deleted); :func:`add_translations` fills the languages a default text lacks, never
overwriting what an administrator wrote; :func:`translate_handbook` does the same for the default handbook pages
(migration 0005). Plain data; edit the sheets in the back office, the handbook in Configuration → Handbook.
"""

from __future__ import annotations

from typing import Any

# Simplified Chinese → English, Hungarian, Traditional Chinese: the sheet names, items and descriptions
TEXTS: dict[str, tuple[str, str, str]] = {
    "营业厅柜台服务检查表": (
        "Counter service inspection",
        "Ügyfélszolgálati pult ellenőrzése",
        "營業廳櫃檯服務檢查表",
    ),
    "热线电话服务检查表": (
        "Phone service inspection",
        "Telefonos ügyfélszolgálat ellenőrzése",
        "熱線電話服務檢查表",
    ),
    "主动问候，使用“您好”等文明用语": (
        "Greets first, uses polite phrases",
        "Elsőként köszön, udvarias kifejezéseket használ",
        "主動問候，使用“您好”等文明用語",
    ),
    "使用规范用语，无服务忌语": (
        "Standard phrases, no forbidden phrases",
        "Előírt kifejezéseket használ, tiltott kifejezést nem",
        "使用規範用語，無服務忌語",
    ),
    "微笑服务，耐心解答": (
        "Smiles, answers patiently",
        "Mosolyog, türelmesen válaszol",
        "微笑服務，耐心解答",
    ),
    "首问负责，不推诿客户": (
        "First-contact responsibility, never sends customers away",
        "Az első kapcsolattartó felel az ügyért, az ügyfelet nem küldi tovább",
        "首問負責，不推諉客戶",
    ),
    "统一着装，佩戴工号牌": ("Uniform and badge", "Egyenruha és névkitűző", "統一著裝，佩戴工號牌"),
    "仪容整洁，举止端庄": ("Neat and composed", "Ápolt megjelenés, higgadt viselkedés", "儀容整潔，舉止端莊"),
    "营业厅整洁，标识清楚": (
        "Clean hall, clear signs",
        "Tiszta ügyféltér, egyértelmű feliratok",
        "營業廳整潔，標識清楚",
    ),
    "公示服务承诺、办事流程和收费标准": (
        "Commitments, procedures and fees displayed",
        "Kifüggesztett szolgáltatási vállalások, ügymenet és díjak",
        "公示服務承諾、辦事流程和收費標準",
    ),
    "便民设施齐全完好": (
        "Amenities complete and working",
        "Az ügyfeleket segítő felszerelések hiánytalanok és működnek",
        "便民設施齊全完好",
    ),
    "业务办理准确，所需材料一次告知": (
        "Accurate work, all missing materials told at once",
        "Pontos ügyintézés, a hiányzó iratokat egyszerre közli",
        "業務辦理準確，所需材料一次告知",
    ),
    "在承诺时限内办结": (
        "Done within the committed time",
        "A vállalt határidőn belül elintézve",
        "在承諾時限內辦結",
    ),
    "接听报“您好”和工号": (
        "Answers with a greeting and badge number",
        "Köszönéssel és azonosítószámmal jelentkezik",
        "接聽報“您好”和工號",
    ),
    "结束时说“谢谢，再见”": (
        "Ends with thanks and goodbye",
        "Köszönettel és elköszönéssel zár",
        "結束時說“謝謝，再見”",
    ),
    "语气亲切耐心，不打断客户": (
        "Friendly, patient, does not interrupt",
        "Barátságos, türelmes, nem vág az ügyfél szavába",
        "語氣親切耐心，不打斷客戶",
    ),
    "客户激动时先安抚情绪": (
        "Calms an upset customer first",
        "A felindult ügyfelet először megnyugtatja",
        "客戶激動時先安撫情緒",
    ),
    "吐字清晰，语速音量适中": (
        "Clear voice, moderate pace and volume",
        "Érthető beszéd, mérsékelt tempó és hangerő",
        "吐字清晰，語速音量適中",
    ),
    "铃响三声内接听": ("Answered within three rings", "Három csengetésen belül felveszi", "鈴響三聲內接聽"),
    "通话录音完整": ("Complete call recording", "Teljes hívásfelvétel", "通話錄音完整"),
    "准确记录客户信息和诉求": (
        "Customer data and request recorded accurately",
        "Az ügyfél adatait és kérését pontosan rögzíti",
        "準確記錄客戶資訊和訴求",
    ),
    "答复准确，一次告知": (
        "Correct answer, everything told at once",
        "Pontos válasz, mindent egyszerre közöl",
        "答覆準確，一次告知",
    ),
    "普通话，先开口问候。": (
        "In standard Mandarin, greeting first.",
        "Köznyelven, elsőként köszönve.",
        "普通話，先開口問候。",
    ),
    "如“我不管”“不知道”。": (
        "Such as “I don't care”, “I don't know”.",
        "Például „nem az én dolgom”, „nem tudom”.",
        "如“我不管”“不知道”。",
    ),
    "座椅、饮水、老花镜、笔等。": (
        "Seats, drinking water, reading glasses, pens.",
        "Ülőhelyek, ivóvíz, olvasószemüveg, toll.",
        "座椅、飲水、老花鏡、筆等。",
    ),
}

# the default handbook pages (migration 0002): title, text, what to do, what not to do (one per line)
HANDBOOK_TEXTS: dict[str, tuple[str, str, str]] = {
    "服务礼仪": ("Service etiquette", "Ügyfélszolgálati illemtan", "服務禮儀"),
    "面对面和电话服务中的基本礼仪。": (
        "The basic etiquette of serving customers face to face and by phone.",
        "A személyes és a telefonos ügyfélszolgálat alapvető illemszabályai.",
        "面對面和電話服務中的基本禮儀。",
    ),
    "主动问候“您好”\n使用“请”“谢谢”“对不起”“再见”\n统一着装，佩戴工号牌\n客户离开时道别": (
        "Greet first: “Hello”\nSay “please”, “thank you”, “sorry” and “goodbye”\n"
        "Wear the uniform and your badge\nSay goodbye when the customer leaves",
        "Köszönjön elsőként: „Jó napot kívánok”\nMondja: „kérem”, „köszönöm”, „elnézést”, „viszontlátásra”\n"
        "Viseljen egyenruhát és névkártyát\nKöszönjön el, amikor az ügyfél távozik",
        "主動問候“您好”\n使用“請”“謝謝”“對不起”“再見”\n統一著裝，佩戴工號牌\n客戶離開時道別",
    ),
    "与同事闲聊而让客户等候\n使用服务忌语\n在客户面前吃东西或玩手机": (
        "Chatting with colleagues while a customer waits\nUsing forbidden phrases\n"
        "Eating or using your phone in front of customers",
        "Kollégákkal beszélgetni, miközben az ügyfél vár\nTiltott kifejezéseket használni\n"
        "Az ügyfél előtt enni vagy telefonozni",
        "與同事閒聊而讓客戶等候\n使用服務忌語\n在客戶面前吃東西或玩手機",
    ),
    "首问负责制": ("First-contact responsibility", "Első kapcsolattartó felelőssége", "首問負責制"),
    "第一位接待客户的员工负责到底，直到问题解决。": (
        "The first employee who serves a customer stays responsible until the problem is solved.",
        "Az ügyfelet elsőként fogadó munkatárs a probléma megoldásáig felelős marad.",
        "第一位接待客戶的員工負責到底，直到問題解決。",
    ),
    "记录客户诉求并登记工单\n需要其他部门处理时亲自转交并跟进\n一次告知所需的全部材料": (
        "Write down the customer's request and register a work order\n"
        "Hand it over yourself when another department must act, and follow it up\n"
        "Name every document needed at once",
        "Rögzítse az ügyfél kérését, és vegyen fel munkalapot\n"
        "Ha más osztálynak kell intézkednie, személyesen adja át és kövesse nyomon\n"
        "Egyszerre sorolja fel az összes szükséges dokumentumot",
        "記錄客戶訴求並登記工單\n需要其他部門處理時親自轉交並跟進\n一次告知所需的全部材料",
    ),
    "让客户“去问别人”\n分多次告知缺少的材料": (
        "Telling the customer to “ask someone else”\nNaming missing documents one at a time",
        "Az ügyfelet „kérdezzen meg mást” mondattal elküldeni\nA hiányzó dokumentumokat egyenként közölni",
        "讓客戶“去問別人”\n分多次告知缺少的材料",
    ),
}
TEXTS.update(HANDBOOK_TEXTS)

LANGUAGES = ("en", "hu", "zh-hant")


def add_translations(row: Any, fields: tuple[str, ...]) -> bool:
    """Fill the languages a default text of ``row`` lacks (``translations`` edited in place); whether any was."""
    values: dict[str, dict[str, str]] = {k: dict(v) for k, v in (row.translations or {}).items()}
    changed = False
    for field in fields:
        known = TEXTS.get(getattr(row, field, "") or "")
        if known is None:
            continue
        for lang, text in zip(LANGUAGES, known, strict=True):
            entry = values.setdefault(lang, {})
            if not entry.get(field):
                entry[field] = text
                changed = True
    if changed:
        row.translations = values
    return changed


def translate_defaults(sheet_model: Any, item_model: Any) -> None:
    """Add the missing languages to the default sheets and items (by their Simplified Chinese text)."""
    for sheet in sheet_model.objects.all():
        if add_translations(sheet, ("name", "description")):
            sheet.save(update_fields=["translations"])
    for item in item_model.objects.all():
        if add_translations(item, ("text", "description")):
            item.save(update_fields=["translations"])


def translate_handbook(page_model: Any) -> None:
    """Add the missing languages to the default handbook pages (by their Simplified Chinese texts)."""
    for page in page_model.objects.all():
        if add_translations(page, ("title", "body", "dos", "donts")):
            page.save(update_fields=["translations"])
