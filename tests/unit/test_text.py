"""What each destination accepts of free text, and the strict name and size types."""

from __future__ import annotations

import re

import pytest

from elenta.model.names import check_domain, check_label, check_network_name, network_label, parse_size_mib
from elenta.model.text import (
    check_dns_name_length,
    check_line,
    check_script,
    require_text,
)


@pytest.mark.parametrize("value", [5, 1.5, True, None, ["a"], {"a": 1}])
def test_a_value_that_is_not_text_is_named_for_what_it_is(value: object) -> None:
    with pytest.raises(ValueError, match="expected text, got"):
        require_text(value)
    for check in (check_label, check_domain, check_network_name, check_line):
        with pytest.raises(ValueError, match="expected text"):
            check(value)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a\nb", "a line break"),
        ("a\r", "a line break"),
        ("a\u2028b", "a line break"),
        ("a\x00b", "a control character (U+0000)"),
        ("a\x1b[2Jb", "a control character (U+001B)"),
        ("a\x7f", "a control character (U+007F)"),
        ("a\u200eb", "a control character (U+200E)"),  # a bidi mark: a format character
    ],
)
def test_one_line_refuses_breaks_and_control_characters(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        check_line(text)


def test_a_script_may_have_lines_and_tabs_but_no_other_control_character() -> None:
    assert check_script("set -e\n\ttest -d /srv") == "set -e\n\ttest -d /srv"
    with pytest.raises(ValueError, match=r"U\+0000.*line breaks and tabs allowed"):
        check_script("true\x00")


def test_dns_names_fit_the_wire_format() -> None:
    assert check_dns_name_length("a" * 63 + ".canon")
    with pytest.raises(ValueError, match="longer than 63"):
        check_dns_name_length("a" * 64 + ".canon")
    with pytest.raises(ValueError, match="longer than 253"):
        check_dns_name_length(".".join(["a" * 60] * 5))


def test_network_names_are_not_dns_labels_but_give_one_where_they_can() -> None:
    for name in ("KANSAS", "CONDORCET", "home_net", "lab-2"):
        assert check_network_name(name) == name
    for name in ("", "a b", "-x", "x" * 64, "lab;reboot"):
        with pytest.raises(ValueError, match="not a valid network name"):
            check_network_name(name)
    assert network_label("KANSAS", None) == "kansas"
    assert network_label("home_net", None) is None
    assert network_label("home_net", "home") == "home"


def test_sizes_are_bounded() -> None:
    assert parse_size_mib("1T") == 1024 * 1024
    assert parse_size_mib(1.5) == 1
    for value in ("9" * 400 + "T", 2**70, "2000000T"):
        with pytest.raises(ValueError, match="too large"):
            parse_size_mib(value)
