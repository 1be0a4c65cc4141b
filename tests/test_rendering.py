"""Markdown to sanitised HTML: update bodies as before, postmortems with their own headings."""

from __future__ import annotations

import re

import pytest

from statuspage.core.rendering import markdown_html

POSTMORTEM = """## Summary

A bad **deploy**.

### Detail

- one
- two

## Timeline

| Time | What |
| --- | --- |
| 14:00 | <script>alert(1)</script> |
| 14:10 | <img src=x onclick="alert(1)"> [x](javascript:alert(1)) |
"""


def _headings(html: str) -> list[str]:
    return re.findall(r"<(h\d)>", html)


def test_update_bodies_keep_only_h3_to_h6_as_before() -> None:
    assert str(markdown_html("## Summary\n\n### Detail")) == "Summary\n<h3>Detail</h3>"


def test_a_postmortem_renders_headings_lists_and_tables_under_the_pages_h2() -> None:
    html = str(markdown_html(POSTMORTEM, heading_base=3))

    assert _headings(html) == ["h3", "h4", "h3"]
    assert "<h3>Summary</h3>" in html and "<h4>Detail</h4>" in html
    assert "<ul>\n<li>one</li>" in html
    assert "<table>" in html and "<th>Time</th>" in html and "<td>14:00</td>" in html


def test_a_table_cell_cannot_carry_a_script_a_handler_or_a_javascript_link() -> None:
    html = str(markdown_html(POSTMORTEM, heading_base=3))

    assert "<script" not in html and "<img" not in html
    assert re.search(r"<[a-z][^>]*\son\w+=", html) is None  # no tag carries a handler
    assert "&lt;img src=x onclick=" in html  # the cell shows the text, inert
    assert 'href="javascript' not in html


@pytest.mark.parametrize(("text", "levels"), [
    ("# A\n## B\n### C", ["h3", "h4", "h5"]),  # the shallowest heading becomes the base
    ("## A\n#### B\n## C", ["h3", "h4", "h3"]),  # a skipped level is closed up
    ("### A\n###### B", ["h4", "h5"]),
    ("# A\n## B\n### C\n#### D\n##### E", ["h4", "h5", "h6", "h6", "h6"]),  # h6 is the floor
])
def test_heading_levels_never_skip_one_below_the_base(text: str, levels: list[str]) -> None:
    base = int(levels[0][1])
    assert _headings(str(markdown_html(text, heading_base=base))) == levels


def test_the_heading_base_must_leave_room_for_the_pages_own_headings() -> None:
    with pytest.raises(ValueError):
        markdown_html("# A", heading_base=1)
