"""Messages from services: written once in Chinese, English from the catalogue, shown apart."""

import pickle

from core.messages import Msg, in_language, msg


def test_a_message_is_its_bilingual_string_and_keeps_both_languages():
    m = Msg("未找到该企业", "no enterprise matches")
    assert m == "未找到该企业 / no enterprise matches"
    assert (m.zh, m.en) == ("未找到该企业", "no enterprise matches")
    assert in_language(m, "en") == "no enterprise matches"
    assert in_language(m, "zh-CN") == "未找到该企业"


def test_english_comes_from_the_catalogue_with_parameters_filled_in_both():
    m = msg("已使用一个恢复码，还剩 %(n)s 个。", n=3)
    assert m.zh == "已使用一个恢复码，还剩 3 个。"
    assert m.en == "One recovery code used; 3 left."


def test_a_msgid_without_english_is_only_chinese_not_glued_to_itself():
    m = msg("这句没有英文译文")
    assert m == "这句没有英文译文"
    assert m.en == "这句没有英文译文"


def test_messages_join_per_language_and_survive_pickling():
    joined = Msg("甲", "a") + "：" + Msg("乙", "b")
    assert (joined.zh, joined.en) == ("甲：乙", "a：b")
    assert pickle.loads(pickle.dumps(joined))  # noqa: S301 (our own bytes).en == "a：b"


def test_other_values_pass_through():
    assert in_language(("中", "en"), "en") == "en"
    assert in_language(None, "en") == ""
    assert in_language(42, "zh-CN") == "42"
