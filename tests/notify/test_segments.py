"""SMS encoding and segment counts (GSM-7 vs UCS-2), and look-alike replacement."""

from __future__ import annotations

import pytest

from statuspage.core import segments


def test_plain_ascii_is_gsm7_with_160_characters_in_one_segment() -> None:
    assert segments.analyse("a" * 160) == segments.SegmentInfo("GSM-7", 160, 1)
    assert segments.segment_count("a" * 161) == 2


def test_split_gsm7_messages_carry_153_characters_per_segment() -> None:
    assert segments.segment_count("a" * 306) == 2
    assert segments.segment_count("a" * 307) == 3


def test_gsm7_national_letters_stay_gsm7() -> None:
    text = "Ærlig talt: Øl på Åsgårdstrand, café Ünter, señor"
    assert segments.encoding(text) == "GSM-7"
    assert segments.length(text) == len(text)


@pytest.mark.parametrize("char", list("^{}\\[~]|€"))
def test_extension_characters_count_twice(char: str) -> None:
    assert segments.is_gsm7(char)
    assert segments.length(char) == 2
    assert segments.segment_count("a" * 158 + char) == 1
    assert segments.segment_count("a" * 159 + char) == 2


def test_an_extension_pair_is_never_split_across_segments() -> None:
    # 152 septets, then a two-septet character: it moves whole into the second segment.
    text = "a" * 152 + "€" + "a" * 152
    assert segments.length(text) == 306
    assert segments.segment_count(text) == 3


def test_one_non_gsm_character_makes_the_whole_text_ucs2() -> None:
    text = "a" * 69 + "ê"
    assert segments.encoding(text) == "UCS-2"
    assert segments.segment_count(text) == 1
    assert segments.segment_count(text + "a") == 2
    assert segments.segment_count("ê" * 134) == 2
    assert segments.segment_count("ê" * 135) == 3


def test_characters_outside_the_bmp_count_as_two_ucs2_units() -> None:
    assert segments.length("🚨") == 2
    assert segments.segment_count("🚨" * 35) == 1
    assert segments.segment_count("🚨" * 36) == 2


def test_lookalikes_become_gsm7_so_the_text_keeps_160_characters() -> None:
    pasted = "We\u2019re on it \u2014 \u201cAPI\u201d errors\u00a0fixed\u2026 next\u2013step"
    assert segments.encoding(pasted) == "UCS-2"
    friendly = segments.gsm7_friendly(pasted)
    assert friendly == "We're on it - \"API\" errors fixed... next-step"
    assert segments.encoding(friendly) == "GSM-7"


def test_lookalike_replacement_keeps_letters_and_real_unicode() -> None:
    assert segments.gsm7_friendly("Tromsø ê 🚨") == "Tromsø ê 🚨"


def test_truncate_cuts_at_a_word_with_an_ellipsis_within_budget() -> None:
    text = "The database cluster is failing over to the standby region now"
    cut = segments.truncate(text, 30, "GSM-7")
    assert cut.endswith("...")
    assert segments.length(cut) <= 30
    assert text.startswith(cut[:-3])
    assert not cut[:-3].endswith(" ")
    assert segments.truncate("short", 30, "GSM-7") == "short"
