"""The customer-type classifier (R-25): concrete texts in Chinese and English, every signal explained."""

from __future__ import annotations

import pytest

from kefu.complaints.classifier import AGITATED_MIN, CustomerType, classify


def codes(text: str, **kw: int) -> dict[str, str]:
    return {s.code: s.evidence for s in classify(text, **kw).signals}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你们这什么破服务！！马上给我修好，垃圾公司！", CustomerType.AGITATED),
        ("已经第三次打电话了，立刻派人来！", CustomerType.AGITATED),
        ("为什么我的账单多扣了钱？我不明白怎么回事", CustomerType.CONFUSED),
        ("这个套餐搞不懂，看不懂说明", CustomerType.CONFUSED),
        ("请问宽带套餐每月多少钱？什么时候可以安装？", CustomerType.DEMANDING),
        ("This is URGENT!!! Fix it immediately, you useless people!", CustomerType.AGITATED),
        ("Why was I charged twice? I don't understand this bill.", CustomerType.CONFUSED),
        ("How much does the upgrade cost and when can you come?", CustomerType.DEMANDING),
    ],
)
def test_texts_in_both_languages(text: str, expected: CustomerType) -> None:
    result = classify(text)
    assert result.suggested == expected, result
    assert result.scores[expected.value] == max(result.scores.values())
    assert result.confident


def test_signals_name_the_words_that_fired() -> None:
    fired = codes("你们这什么破服务！！马上给我修好，垃圾公司！")
    assert fired == {"urgency": "马上", "insult": "垃圾, 什么破", "exclamation": "3"}
    result = classify("你们这什么破服务！！马上给我修好，垃圾公司！")
    # weights: urgency 2 per word, insults 4 per word, exclamation marks 1 each (at most 4)
    assert result.scores == {"demanding": 0, "confused": 0, "agitated": 2 + 8 + 3}


def test_full_width_and_ascii_exclamation_marks_both_count() -> None:
    assert codes("修好没有！！！")["exclamation"] == "3"
    assert codes("fixed yet!!")["exclamation"] == "2"
    assert codes("！!！!！!")["exclamation"] == "6"
    assert classify("！!！!！!").scores["agitated"] == 4  # capped: punctuation alone cannot dominate


def test_nothing_fired_defaults_to_demanding_with_zero_scores() -> None:
    result = classify("宽带无法上网\n客户来电：宽带故障，灯不亮")
    assert result.suggested == CustomerType.DEMANDING
    assert result.scores == {"demanding": 0, "confused": 0, "agitated": 0}
    assert not result.confident and result.signals == ()
    assert classify("").suggested == CustomerType.DEMANDING


def test_a_lone_exclamation_or_polite_hurry_is_not_agitated() -> None:
    assert classify("谢谢！").suggested == CustomerType.DEMANDING
    assert classify("请尽快上门维修").scores["agitated"] == 2 < AGITATED_MIN
    assert classify("请尽快上门维修").suggested == CustomerType.DEMANDING
    assert classify("请尽快上门维修！").suggested == CustomerType.AGITATED  # 2 + 1 reaches the minimum


def test_repeated_contacts_point_to_agitation() -> None:
    text = "宽带还是不能用"
    assert classify(text, recent_contacts=1).suggested == CustomerType.DEMANDING
    assert "repeat_contacts" not in codes(text, recent_contacts=1)
    assert codes(text, recent_contacts=2)["repeat_contacts"] == "2"
    assert classify(text, recent_contacts=3).suggested == CustomerType.AGITATED
    assert classify(text, recent_contacts=40).scores["agitated"] == 5  # capped


def test_english_words_match_whole_words_only() -> None:
    assert "information" not in codes("whenever it rains the line drops")
    assert codes("when will it be fixed")["information"] == "when"
    assert "confusion" not in codes("whyalla")
    assert codes("WHY is it so slow")["confusion"] == "why"


def test_shouting_in_capitals() -> None:
    assert codes("FIX MY LINE now")["capitals"] == "FIX LINE"  # words of 3+ letters
    assert "capitals" not in codes("My ADSL line")  # one acronym is not shouting


def test_ties_prefer_agitated_then_confused() -> None:
    # confusion 3 against agitation 3 (urgency 2 + one "!"): agitated wins the tie
    result = classify("为什么 马上!")
    assert result.scores["agitated"] == result.scores["confused"] == 3
    assert result.suggested == CustomerType.AGITATED
    # information 3 against confusion 3: confused wins
    tie = classify("请问 为什么")
    assert tie.scores["demanding"] == tie.scores["confused"] == 3
    assert tie.suggested == CustomerType.CONFUSED


def test_full_width_letters_are_folded() -> None:
    assert codes("ＷＨＹ is my bill so high")["confusion"] == "why"
