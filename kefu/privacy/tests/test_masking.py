"""kefu.lib.masking (pure) and kefu.privacy.rules (pure): no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.lib import masking
from kefu.privacy import rules


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812341234", "138****1234"),
        ("138 1234 1234", "138****1234"),
        ("+8613812341234", "138****1234"),
        ("+86 20 1234 5678", "020****5678"),
        ("020-12345678", "020****5678"),
        ("+36 30 123 4567", "+363****4567"),
        ("12345", "***45"),
        ("1", "****"),
        ("", ""),
    ],
)
def test_phone(value: str, expected: str) -> None:
    assert masking.mask_phone(value) == expected


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_mobile_number_keeps_only_its_first_three_and_last_four_digits(number: str) -> None:
    shown = masking.mask_phone(number)
    assert shown == number[:3] + "****" + number[-4:]
    assert len(shown) == 11 and shown.count("*") == 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zhang.san@example.com", "z***@example.com"),
        ("a@b.cn", "a***@b.cn"),
        ("not-an-address", "n***"),
        ("", ""),
    ],
)
def test_email(value: str, expected: str) -> None:
    assert masking.mask_email(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("广州市天河区体育西路123号4栋501室", "广州市天河区体育西路***"),
        ("和平里3号楼2单元", "和平里***"),
        ("北苑路１２号", "北苑路***"),
        ("Budapest, Váci út 12. 3/4", "Budapest, Váci út ***"),
        ("12 Main Street, London", "*** Main Street, London"),
        ("南湖乡张村", "南湖乡张村"),  # no house number: nothing to hide beyond the village
        ("", ""),
    ],
)
def test_address(value: str, expected: str) -> None:
    assert masking.mask_address(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("440106199001011234", "440106********1234"),
        ("44010619900101123X", "440106********123X"),
        ("440106900101123", "440106*****1123"),
        ("A123456", "A*****6"),
        ("", ""),
    ],
)
def test_id_card(value: str, expected: str) -> None:
    assert masking.mask_id_card(value) == expected


def test_mask_by_kind_and_shown() -> None:
    assert masking.mask("phone", "13812341234") == "138****1234"
    assert masking.mask("id_card", "440106199001011234") == "440106********1234"
    with pytest.raises(ValueError, match="unknown kind"):
        masking.mask("salary", "1")
    assert masking.shown("email", "li@example.com", unmasked=True) == "li@example.com"
    assert masking.shown("email", "li@example.com", unmasked=False) == "l***@example.com"
    assert masking.shown("wechat", "wxid_abc", unmasked=False) == "w***"


def test_reasons() -> None:
    assert rules.check_reason("call_back", "") is None
    assert rules.check_reason("other", "客户要求核对地址") is None
    assert rules.check_reason("other", "  ") == "reason_text"
    assert rules.check_reason("curiosity", "") == "reason"
    assert rules.check_reason("", "") == "reason"
    assert rules.check_reason("complaint", "x" * 201) == "reason_text"


def test_unusual_counts_distinct_customers_outside_branch_or_areas() -> None:
    homes = {
        1: rules.Home(branch_id=10, area_ids=frozenset({100})),  # responsible for area 100
        2: rules.Home(branch_id=10, area_ids=frozenset()),  # branch agent without areas
        3: rules.Home(branch_id=None, area_ids=frozenset()),  # company level: no outside
    }
    ops = [
        rules.Opening(1, 501, 10, 100),  # own area
        rules.Opening(1, 502, 10, 101),  # other area, same branch: outside for an area holder
        rules.Opening(1, 502, 10, 101),  # the same customer again counts once
        rules.Opening(1, 503, 20, 200),  # other branch
        rules.Opening(2, 504, 10, 101),  # inside the branch: fine for a branch agent
        rules.Opening(2, 505, 20, None),  # other branch
        rules.Opening(3, 506, 20, 200),
        rules.Opening(9, 507, 20, 200),  # unknown staff: ignored
    ]
    assert rules.unusual(ops, homes, 2) == {1: 2}
    assert rules.unusual(ops, homes, 1) == {1: 2, 2: 1}
    assert rules.unusual(ops, homes, 3) == {}
