"""A domain error in one language for a page: its message and each field's detail with a
human label (``describe_in``); ``describe`` stays the bilingual line of the CLI and API."""

from __future__ import annotations

from core.errors import Invalid, NotFound, describe, describe_in, details_in
from core.messages import msg


def _objection_error() -> Invalid:
    return Invalid(
        msg("异议申请有误"),
        {
            "target_id": [msg("该企业没有这条记录")],
            "contact": [msg("请填写%(label)s", label=msg("联系方式"))],
        },
    )


def test_details_carry_human_labels_in_the_page_language_never_keys():
    error = _objection_error()
    assert details_in(error, "en") == [
        ("What is wrong", "This enterprise has no such record"),
        ("Contact", "Contact is required"),
    ]
    assert details_in(error, "zh-CN") == [
        ("异议对象", "该企业没有这条记录"),
        ("联系方式", "请填写联系方式"),
    ]


def test_one_line_per_language_with_its_own_punctuation():
    error = _objection_error()
    english = describe_in(error, "en")
    chinese = describe_in(error, "zh-CN")
    assert english == (
        "The objection is invalid (What is wrong: This enterprise has no such record; "
        "Contact: Contact is required)"
    )
    assert chinese == "异议申请有误（异议对象：该企业没有这条记录；联系方式：请填写联系方式）"
    assert "target_id" not in english + chinese and " / " not in english + chinese
    # the CLI and API line stays bilingual, with its keys
    assert "target_id: " in describe(error) and " / " in describe(error)


def test_an_unknown_field_shows_its_text_alone_and_a_repeated_detail_is_left_out():
    problem = msg("统一社会信用代码应为 18 位，实际为 %(n)s 位", n=4)
    error = Invalid(problem, {"uscc": [problem], "mystery_field": [msg("超出范围")]})
    assert details_in(error, "en") == [("", "out of range")]
    assert describe_in(error, "zh-CN") == "统一社会信用代码应为 18 位，实际为 4 位（超出范围）"


def test_a_plain_message_without_details_is_itself():
    assert (
        describe_in(NotFound(msg("该申请已处理")), "en") == "This application was decided already"
    )
    assert describe_in(NotFound("plain"), "zh-CN") == "plain"
