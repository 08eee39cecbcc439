"""Names are names (R-21): the one rule every name and title goes through, and what logs print."""

import logging

import pytest
from django.core.exceptions import ValidationError

from utilities.logs import EscapingFormatter
from utilities.names import clean_name, clean_real_name, escape_for_log

#: What an attacker (or a careless paste) puts into a name, with the message it must get.
UNSHOWABLE = "contains characters that cannot be shown"
INVISIBLE = "has no visible character"
HOSTILE = [
    ("\x1b[31m张三\x1b[0m", UNSHOWABLE),  # ANSI colour: reaches a terminal
    ("张三\x07", UNSHOWABLE),
    ("\x7f张三", UNSHOWABLE),
    ("张\x9b31m三", UNSHOWABLE),  # C1 control sequence introducer
    ("张\x1c三", UNSHOWABLE),  # a control character Python counts as whitespace
    *[(ch + "三张", UNSHOWABLE) for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"],
    ("张三\u200f", UNSHOWABLE),  # right-to-left mark
    ("\u200b\u200b\u200b", INVISIBLE),
    ("\u200c", INVISIBLE),
    ("\u200d\u200d", INVISIBLE),
    ("\ufeff", INVISIBLE),
    ("\u3164\u3164", INVISIBLE),  # Hangul fillers: letters that draw nothing
    (" \u0301 ", INVISIBLE),  # a combining accent on nothing
]
BLANK = [" ", "   ", "\u3000\u3000", "\t\n", "\u00a0"]


@pytest.mark.parametrize("value, message", HOSTILE)
def test_hostile_names_are_refused_with_a_message_naming_the_field(value, message):
    with pytest.raises(ValidationError) as caught:
        clean_name(value, what="display name", field="display_name")
    [text] = caught.value.message_dict["display_name"]
    assert message in text and text.startswith("The display name ")


@pytest.mark.parametrize("value, message", HOSTILE)
def test_an_optional_name_refuses_them_too(value, message):
    with pytest.raises(ValidationError) as caught:
        clean_name(value, what="display name", required=False)
    assert message in caught.value.messages[0]


@pytest.mark.parametrize("value", BLANK)
def test_a_name_of_spaces_is_missing_or_left_blank(value):
    with pytest.raises(ValidationError) as caught:
        clean_name(value, what="department name")
    assert caught.value.messages == ["Enter the department name."]
    assert clean_name(value, required=False) == ""


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("  Zhang   San ", "Zhang San"),
        ("张三\u3000经理", "张三 经理"),  # ideographic space
        ("Li\tWei\r\nJr", "Li Wei Jr"),
        ("张\u200b三", "张三"),  # a zero-width space inside is dropped, not shown as 张三 beside 张三
        ("张\u200d三", "张三"),  # a joiner between two Han characters joins nothing
        ("\ufeff销售部", "销售部"),  # the byte-order mark of a pasted CSV cell
        ("Cafe\u0301", "Café"),  # NFC: one way to write é
        ("👨\u200d👩\u200d👧 小店", "👨\u200d👩\u200d👧 小店"),  # an emoji family keeps its joiners
        ("❤️ 小美", "❤️ 小美"),  # variation selector kept
        ("O'Brien-Smith", "O'Brien-Smith"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
    ],
)
def test_whitespace_is_normalised_and_real_names_stay(typed, stored):
    assert clean_name(typed) == stored


def test_the_length_is_counted_after_normalising():
    assert clean_name("a" + " " * 30 + "b", max_length=3) == "a b"
    with pytest.raises(ValidationError) as caught:
        clean_name("x" * 51, what="display name", max_length=50)
    assert caught.value.messages == ["Keep the display name to 50 characters or fewer (it has 51)."]


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("张三", "张三"),
        (" 李 四 ", "李四"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("王丽丽", "王丽丽"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),  # katakana middle dot, as IMEs type it
        ("阿卜杜热合曼·买买提明·艾则孜", "阿卜杜热合曼·买买提明·艾则孜"),  # 15 characters
        ("John Smith", "John Smith"),
        ("Aaron O’Neil", "Aaron O'Neil"),
        ("Anne-Marie Dubois", "Anne-Marie Dubois"),
        ("José Núñez", "José Núñez"),
        ("Ng", "Ng"),
    ],
)
def test_real_names_of_people_are_accepted(typed, stored):
    assert clean_real_name(typed) == stored


@pytest.mark.parametrize(
    "typed, message",
    [
        ("A" * 50, "does not look like a person's name"),
        ("aaa", "does not look like a person's name"),
        ("Joooohn", "does not look like a person's name"),
        ("张张张", "does not look like a person's name"),
        ("张", "2 to 15 Chinese characters"),
        ("阿卜杜热合曼·买买提明·艾则孜江", "2 to 15 Chinese characters"),  # 16
        ("·张三", "2 to 15 Chinese characters"),
        ("张··三", "2 to 15 Chinese characters"),
        ("张三3", "2 to 15 Chinese characters"),
        ("张三😀", "2 to 15 Chinese characters"),
        ("张三 John", "either in Chinese characters or in Latin letters"),
        ("J", "at least 2 letters"),
        ("John  Smith2", "Latin letters"),
        ("John--Smith", "Latin letters"),
        ("-John", "Latin letters"),
        ("Иван Петров", "Latin letters"),
        ("R2-D2", "Latin letters"),
        ("\u202e三张", UNSHOWABLE),
        ("\u200b\u200b", INVISIBLE),
    ],
)
def test_implausible_real_names_are_refused(typed, message):
    with pytest.raises(ValidationError) as caught:
        clean_real_name(typed, field="real_name")
    assert message in " ".join(caught.value.message_dict["real_name"])


def test_log_text_escapes_control_and_direction_characters():
    assert escape_for_log("张三") == "张三"
    assert escape_for_log("\x1b[2J\u202e三张\nfake line") == "\\x1b[2J\\u202e三张\\x0afake line"


def test_the_log_formatter_escapes_the_message_but_not_the_traceback():
    formatter = EscapingFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.INFO, __file__, 1, "staff %s added", ("\x1b[31mred\x1b[0m",), sys.exc_info())
    line = formatter.format(record)
    assert line.startswith("INFO staff \\x1b[31mred\\x1b[0m added\nTraceback")
    assert "\x1b" not in line
    assert record.getMessage() == "staff \x1b[31mred\x1b[0m added"  # other handlers see the record unchanged
