"""Default phrase library, forbidden phrases (R-24) and greeting rules.

Used by migrations 0002–0004 (with the historical models) and by :func:`kefu.standards.services.ensure_defaults`
(databases emptied since, e.g. by tests that flush tables). Plain data; edit the rows in the console
(Configuration → Phrases). Every phrase ships in the four languages (docs/adr/0008-content-translations.md):
Simplified Chinese and English below, Hungarian in ``PHRASES_HU``, Traditional Chinese in ``PHRASES_HANT``
(OpenCC ``s2twp``, Taiwan usage, as ``scripts/i18n_update.py`` converts the interface). The greeting rules
accept a list of greetings per language (``GREETING_TRANSLATIONS``).
"""

from __future__ import annotations

from typing import Any

# key, situation, Chinese, English
PHRASES: list[tuple[str, str, str, str]] = [
    ("hello", "greeting", "您好！", "Hello!"),
    (
        "hello_name",
        "greeting",
        "您好，{customer_name}，很高兴为您服务。",
        "Hello {customer_name}, glad to help you.",
    ),
    (
        "wait",
        "waiting",
        "请稍候，我马上给您办理。",
        "Please wait a moment, I will take care of it right away.",
    ),
    (
        "missing",
        "missing_materials",
        "对不起，您还缺少{missing_materials}材料，请补齐后我们马上为您办理。",
        "Sorry, these materials are still missing: {missing_materials}. We will go ahead as soon as you "
        "bring them.",
    ),
    (
        "deadline",
        "progress",
        "您的工单{order_number}将在{deadline}前办结，请放心。",
        "Your order {order_number} will be completed by {deadline}.",
    ),
    (
        "checking",
        "checking",
        "这个问题我马上帮您查询，稍后答复您。",
        "Let me look into this for you right away; I will get back to you shortly.",
    ),
    (
        "transfer",
        "transfer",
        "请稍候，我马上帮您联系负责的同事。",
        "Please wait, I will put you in touch with the colleague in charge right away.",
    ),
    ("listen", "explanation", "请您慢慢说，我在认真听。", "Please take your time, I am listening."),
    (
        "explain",
        "explanation",
        "对不起，刚才没有说清楚，我再为您详细说明一下。",
        "Sorry I was not clear; let me explain it again.",
    ),
    ("sorry", "apology", "对不起，给您带来不便了。", "We are sorry for the inconvenience."),
    (
        "improve",
        "apology",
        "对不起，这是我们做得不好，我们一定改进。",
        "We are sorry, we did not do this well and will improve.",
    ),
    (
        "complaint",
        "apology",
        "对不起，给您带来不便，我马上为您处理；您的意见我们会认真记录。",
        "We are sorry for the trouble; I will handle it right away and record your comments carefully.",
    ),
    ("thanks", "thanks", "谢谢您的耐心等待。", "Thank you for your patience."),
    ("bye", "closing", "谢谢，再见！", "Thank you, goodbye!"),
    (
        "bye_more",
        "closing",
        "请问还有什么可以帮您？谢谢，再见！",
        "Is there anything else I can do for you? Thank you, goodbye!",
    ),
]

# key → Hungarian text
PHRASES_HU: dict[str, str] = {
    "hello": "Jó napot kívánok!",
    "hello_name": "Jó napot kívánok, {customer_name}! Örömmel segítek.",
    "wait": "Kérem, várjon egy pillanatot, azonnal intézem.",
    "missing": "Elnézést, még hiányzik: {missing_materials}. Amint pótolja, azonnal intézzük.",
    "deadline": "A(z) {order_number} számú ügyét {deadline} előtt elintézzük, nyugodt lehet.",
    "checking": "Ennek azonnal utánanézek, és hamarosan visszajelzek.",
    "transfer": "Kérem, várjon, azonnal kapcsolom a felelős kollégát.",
    "listen": "Mondja nyugodtan, figyelmesen hallgatom.",
    "explain": "Elnézést, az előbb nem fogalmaztam világosan; elmagyarázom még egyszer részletesen.",
    "sorry": "Elnézést kérünk a kellemetlenségért.",
    "improve": "Elnézést kérünk, ezt nem csináltuk jól, és javítani fogunk rajta.",
    "complaint": "Elnézést kérünk a kellemetlenségért; azonnal intézkedem, és a véleményét gondosan rögzítjük.",
    "thanks": "Köszönjük türelmét.",
    "bye": "Köszönöm, viszonthallásra!",
    "bye_more": "Segíthetek még valamiben? Köszönöm, viszonthallásra!",
}

# key → Traditional Chinese text (OpenCC s2twp of the Simplified Chinese, reviewed)
PHRASES_HANT: dict[str, str] = {
    "hello": "您好！",
    "hello_name": "您好，{customer_name}，很高興為您服務。",
    "wait": "請稍候，我馬上給您辦理。",
    "missing": "對不起，您還缺少{missing_materials}材料，請補齊後我們馬上為您辦理。",
    "deadline": "您的工單{order_number}將在{deadline}前辦結，請放心。",
    "checking": "這個問題我馬上幫您查詢，稍後答覆您。",
    "transfer": "請稍候，我馬上幫您聯絡負責的同事。",
    "listen": "請您慢慢說，我在認真聽。",
    "explain": "對不起，剛才沒有說清楚，我再為您詳細說明一下。",
    "sorry": "對不起，給您帶來不便了。",
    "improve": "對不起，這是我們做得不好，我們一定改進。",
    "complaint": "對不起，給您帶來不便，我馬上為您處理；您的意見我們會認真記錄。",
    "thanks": "謝謝您的耐心等待。",
    "bye": "謝謝，再見！",
    "bye_more": "請問還有什麼可以幫您？謝謝，再見！",
}


def phrase_translations(key: str, english: str) -> dict[str, dict[str, str]]:
    """The ``translations`` value of default phrase ``key``: English, Hungarian, Traditional Chinese."""
    values = {"en": english, "hu": PHRASES_HU.get(key, ""), "zh-hant": PHRASES_HANT.get(key, "")}
    return {lang: {"text": text} for lang, text in values.items() if text}


# phrase, mode, unless_after, suggested phrase key; the language is zh-hans for Chinese text, else the list's
FORBIDDEN: list[tuple[str, str, str, str]] = [
    ("我不管，问别人去", "anywhere", "", "transfer"),
    ("问别人去", "anywhere", "", "transfer"),
    ("别啰嗦，快点讲", "anywhere", "", "listen"),
    ("别啰嗦", "anywhere", "", "listen"),
    ("我还没上班，等会再说", "anywhere", "", "wait"),
    ("我要下班了，你快点", "anywhere", "", "wait"),
    ("我刚才已经说过，你怎么还问", "anywhere", "", "explain"),
    ("你这人真笨", "anywhere", "", "explain"),
    ("你真笨", "anywhere", "", "explain"),
    ("我就是这样的，你能把我怎么样", "anywhere", "", "improve"),
    ("你去投诉好了", "anywhere", "", "complaint"),
    ("不知道", "clause_end", "您 如果 若 是否 还", "checking"),
    ("I don't care, ask someone else", "anywhere", "", "transfer"),
    ("stop rambling", "anywhere", "", "listen"),
    ("I'm not on duty yet", "anywhere", "", "wait"),
    ("I'm about to get off work", "anywhere", "", "wait"),
    ("I already told you", "anywhere", "", "explain"),
    ("you are stupid", "anywhere", "", "explain"),
    ("go ahead and complain", "anywhere", "", "complaint"),
    ("I don't know", "clause_end", "if you", "checking"),
    ("go and complain", "anywhere", "", "complaint"),
    ("go complain", "anywhere", "", "complaint"),
    ("not my problem", "anywhere", "", "transfer"),
    ("not my job", "anywhere", "", "transfer"),
    ("not my department", "anywhere", "", "transfer"),
    ("ask someone else", "anywhere", "", "transfer"),
    ("figure it out yourself", "anywhere", "", "explain"),
    ("hurry up", "anywhere", "", "listen"),
    ("I'm busy", "anywhere", "", "wait"),
]

# the Hungarian list (language hu): the same situations as the Chinese one
FORBIDDEN_HU: list[tuple[str, str, str, str]] = [
    ("menjen és panaszkodjon", "anywhere", "", "complaint"),
    ("panaszkodjon csak", "anywhere", "", "complaint"),
    ("nem az én dolgom", "anywhere", "", "transfer"),
    ("kérdezzen mást", "anywhere", "", "transfer"),
    ("ne szaporítsa a szót", "anywhere", "", "listen"),
    ("még nem vagyok munkában", "anywhere", "", "wait"),
    ("mindjárt végzek, siessen", "anywhere", "", "wait"),
    ("már mondtam", "anywhere", "", "explain"),
    ("maga buta", "anywhere", "", "explain"),
    ("nem tudom", "clause_end", "ha", "checking"),
    ("nem az én asztalom", "anywhere", "", "transfer"),
    ("nem rám tartozik", "anywhere", "", "transfer"),
    ("oldja meg egyedül", "anywhere", "", "explain"),
    ("siessen már", "anywhere", "", "listen"),
    ("nem érek rá", "anywhere", "", "wait"),
    ("ez nem az én problémám", "anywhere", "", "transfer"),
]


def forbidden_language(text: str) -> str:
    """The language of a default English or Chinese forbidden phrase."""
    return "zh-hans" if any("\u3400" <= ch <= "\u9fff" for ch in text) else "en"


# the accepted greetings of the default rules before they had a list per language (migration 0007 splits them)
OLD_GREETING_WORDS = "您好\n你好\n早上好\n上午好\n下午好\n晚上好\n尊敬的\nHello\nHi\nGood morning\nGood afternoon\nGood evening\nDear"
GREETING_WORDS = "您好\n你好\n早上好\n上午好\n下午好\n晚上好\n尊敬的"
# the same greetings in the other languages (``GreetingRule.translations``, key ``phrases``)
GREETING_TRANSLATIONS: dict[str, dict[str, str]] = {
    "en": {"phrases": "Hello\nHi\nGood morning\nGood afternoon\nGood evening\nDear"},
    "hu": {"phrases": "Jó napot\nJó reggelt\nJó estét\nÜdvözlöm\nTisztelt\nKedves\nHelló"},
    "zh-hant": {"phrases": "您好\n你好\n早安\n早上好\n上午好\n午安\n下午好\n晚上好\n尊敬的"},
}

# channel ("" = every channel), when, where, phrases
GREETINGS: list[tuple[str, str, str, str]] = [
    ("", "first", "start", GREETING_WORDS),  # the first reply on any order opens with a greeting
    ("phone", "every", "start", GREETING_WORDS),  # each phone contact log too
]


def translate_greetings(greeting_model: Any) -> None:
    """Give the default greeting rules (by their phrases) a list per language; an edited rule is left alone."""
    for rule in greeting_model.objects.all():
        if rule.phrases.strip() in (OLD_GREETING_WORDS, GREETING_WORDS) and not rule.translations:
            rule.phrases = GREETING_WORDS
            rule.translations = {k: dict(v) for k, v in GREETING_TRANSLATIONS.items()}
            rule.save(update_fields=["phrases", "translations"])


def seed(phrase_model: Any, forbidden_model: Any, greeting_model: Any) -> None:
    """Create the defaults that are missing (by text); never changes or deletes edited rows."""
    by_key: dict[str, Any] = {}
    # before migration 0004 the model had a ``text_en`` column instead of ``translations``
    fields = {f.name for f in phrase_model._meta.get_fields()}
    for position, (key, situation, zh, en) in enumerate(PHRASES, start=1):
        row = phrase_model.objects.filter(text_zh=zh).first()
        if row is None:
            languages = (
                {"translations": phrase_translations(key, en)}
                if "translations" in fields
                else {"text_en": en}
            )
            row = phrase_model.objects.create(
                situation=situation, text_zh=zh, position=position * 10, **languages
            )
        by_key[key] = row
    rows = [(*row, forbidden_language(row[0])) for row in FORBIDDEN] + [(*row, "hu") for row in FORBIDDEN_HU]
    has_language = any(f.name == "language" for f in forbidden_model._meta.get_fields())
    for text, mode, unless, key, language in rows:
        if not forbidden_model.objects.filter(text=text).exists():
            extra = {"language": language} if has_language else {}
            forbidden_model.objects.create(
                text=text, mode=mode, unless_after=unless, suggestion=by_key.get(key), **extra
            )
    if not greeting_model.objects.exists():
        # before migration 0007 the rules had one list for every language
        per_language = any(f.name == "translations" for f in greeting_model._meta.get_fields())
        for channel, when, where, phrases in GREETINGS:
            values: dict[str, Any] = (
                {"phrases": phrases, "translations": {k: dict(v) for k, v in GREETING_TRANSLATIONS.items()}}
                if per_language
                else {"phrases": OLD_GREETING_WORDS}
            )
            greeting_model.objects.create(channel=channel, when=when, where=where, **values)
