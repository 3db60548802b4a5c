"""The forbidden-phrase checker (pure): simplified/traditional, spaces and punctuation, full-width, English,
clause-end phrases, positions in the original text, and no false positives on normal replies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.standards import checker
from kefu.standards.checker import ANYWHERE, CLAUSE_END, Phrase, build, normalise
from kefu.standards.defaults import FORBIDDEN

PHRASES = [
    Phrase(i, text, mode, unless_after=tuple(unless.split()))
    for i, (text, mode, unless, _key) in enumerate(FORBIDDEN, start=1)
]
C = build(PHRASES)


def found(text: str) -> list[tuple[str, str]]:
    return [(m.phrase.text, m.matched) for m in C.find(text)]


def test_normalise_maps_back_to_the_original() -> None:
    norm, where = normalise("你 去，投 訴好了！Ｏｋ")
    assert norm == "你去投诉好了ok"
    assert where == [0, 2, 4, 6, 7, 8, 10, 11]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我不管，问别人去", [("我不管，问别人去", "我不管，问别人去")]),
        ("我不管，問別人去", [("我不管，问别人去", "我不管，問別人去")]),  # traditional
        ("您好！我不管 , 問 別 人 去。", [("我不管，问别人去", "我不管 , 問 別 人 去")]),
        ("你 去，投 诉好了", [("你去投诉好了", "你 去，投 诉好了")]),  # inserted spaces and punctuation
        ("你去投訴好了！", [("你去投诉好了", "你去投訴好了")]),
        ("ＩＤＯＮ'Ｔ ＫＮＯＷ。", [("I don't know", "ＩＤＯＮ'Ｔ ＫＮＯＷ")]),  # full-width, case
        (
            "别啰嗦，快点讲！",
            [("别啰嗦，快点讲", "别啰嗦，快点讲")],
        ),  # the shorter 别啰嗦 is inside: reported once
        ("別囉嗦", [("别啰嗦", "別囉嗦")]),
        ("Stop rambling, please.", [("stop rambling", "Stop rambling")]),
        ("YOU ARE STUPID", [("you are stupid", "YOU ARE STUPID")]),
        ("我也不知道", [("不知道", "不知道")]),
        ("这个我真不知道啊。", [("不知道", "不知道")]),
        ("不知道！你自己看吧", [("不知道", "不知道")]),
        ("I don't know!", [("I don't know", "I don't know")]),
    ],
)
def test_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "您好，请稍候，我马上给您办理。",
        "您是否知道燃气表的编号？",  # 知道 without 不: not the phrase at all
        "不知道您什么时候方便？师傅可以上门。",  # 不知道 does not end the clause
        "如果您不知道，可以拨打96777查询。",  # "if you don't know": 您 before it makes it harmless
        "请问您还不知道密码吗？",
        "Nonstop rambling is what the song is called",  # stop rambling inside a word
        "I don't knowledge",
        "师傅问了别人，去现场看看",  # 问了别人 is not 问别人去
        "Thank you for your patience, we are checking.",
    ],
)
def test_normal_text_is_not_flagged(text: str) -> None:
    assert found(text) == []


def test_positions_point_into_the_original_text() -> None:
    text = "王先生您好。刚才的事，我不管，問別人去吧。"
    (m,) = C.find(text)
    assert text[m.start : m.end] == m.matched == "我不管，問別人去"
    assert (m.start, m.end) == (11, 19)


def test_several_phrases_in_one_reply() -> None:
    text = "我刚才已经说过，你怎么还问？你这人真笨。你去投诉好了"
    assert [p for p, _m in found(text)] == ["我刚才已经说过，你怎么还问", "你这人真笨", "你去投诉好了"]


def test_mode_anywhere_vs_clause_end() -> None:
    c = build([Phrase(1, "不知道", ANYWHERE), Phrase(2, "没办法", CLAUSE_END)])
    assert [m.phrase.id for m in c.find("不知道您什么时候方便")] == [1]
    assert [m.phrase.id for m in c.find("没办法解决吗")] == []
    assert [m.phrase.id for m in c.find("没办法。")] == [2]
    assert [m.phrase.id for m in c.find("没办法")] == [2]


def test_phrase_of_only_punctuation_is_skipped() -> None:
    c = build([Phrase(1, "，。！"), Phrase(2, "别烦")])
    assert len(c) == 1 and [p.id for p in c.skipped] == [1]
    assert [m.phrase.id for m in c.find("，。！别烦")] == [2]


def test_overlapping_phrases_sharing_a_suffix() -> None:
    # Aho–Corasick failure links: "he", "she", "hers" in "ushers"
    c = build(
        [Phrase(1, "he"), Phrase(2, "she"), Phrase(3, "hers"), Phrase(4, "甲乙丙"), Phrase(5, "乙丙丁")]
    )
    assert {m.phrase.id for m in c.find("ushers")} == set()  # Latin phrases match whole words only
    assert {m.phrase.id for m in c.find("us hers")} == {3}
    assert {
        m.phrase.id for m in checker.Checker([Phrase(1, "丙丁"), Phrase(2, "乙丙丁戊")]).find("甲乙丙丁戊")
    } == {2}
    assert {m.phrase.id for m in c.find("he")} == {1}
    assert {m.phrase.id for m in c.find("甲乙丙丁")} == {4, 5}


def naive(phrases: list[str], text: str) -> set[tuple[int, int]]:
    norm, _ = normalise(text)
    out = set()
    for i, p in enumerate(phrases):
        start = norm.find(p)
        while start >= 0:
            out.add((i, start))
            start = norm.find(p, start + 1)
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="甲乙丙丁戊", min_size=1, max_size=4), min_size=1, max_size=8, unique=True),
    st.text(alphabet="甲乙丙丁戊 ，", max_size=40),
)
def test_automaton_agrees_with_naive_search(phrases: list[str], text: str) -> None:
    """Every occurrence the naive search finds is reported, unless it lies inside a longer reported match."""
    c = build([Phrase(i, p) for i, p in enumerate(phrases)])
    _norm, where = normalise(text)
    expected = naive(phrases, text)
    got = c.find(text)
    spans = [(m.start, m.end) for m in got]
    for i, ns in expected:
        start, end = where[ns], where[ns + len(phrases[i]) - 1] + 1
        assert (start, end) in spans or any(a <= start and end <= b for a, b in spans)
    for m in got:
        assert normalise(m.matched)[0] == m.phrase.text
