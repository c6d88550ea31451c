"""macros/lists.html: paged and paged_table draw a page of a list, its pager, or the empty state."""

from __future__ import annotations

from flask import render_template_string

from core.web import Page

TABLE = """{% from "macros/lists.html" import paged_table %}
{% call(letter) paged_table(page, [_("Number"), (_("Dated"), "d-none d-md-table-cell"), _("Subject")],
                            "ยังไม่มีหนังสือ", "/new", "ลงทะเบียน", cards=cards, attrs={"data-register": ""}) %}
<tr data-line="{{ letter.number }}"><td data-label="Number">{{ letter.number }}</td><td class="d-none d-md-table-cell"></td>
<td class="khet-card-title">{{ letter.subject }}</td></tr>
{% endcall %}"""

LIST = """{% from "macros/lists.html" import paged %}
{% call paged(page, "ยังไม่มีประกาศ") %}<ul data-list>{% for item in page.items %}<li>{{ item }}</li>{% endfor %}</ul>{% endcall %}"""


def _render(app, source, page, **values):
    with app.test_request_context("/notices/"):
        return render_template_string(source, page=page, **values)


def _letters(count, total, number=1):
    return Page(items=[{"number": n, "subject": f"เรื่องที่ {n}"} for n in range(1, count + 1)], page=number,
                per_page=count or 1, total=total)


def test_a_paged_table_draws_its_headers_one_row_per_item_and_no_empty_state(app, english_messages):
    html = _render(app, TABLE, _letters(2, 2), cards=False)
    assert '<table class="table table-sm table-hover align-middle" data-register="">' in html
    assert "<th>Number</th>" in html and '<th class="d-none d-md-table-cell">Dated</th>' in html
    assert html.count("<tr data-line=") == 2 and "เรื่องที่ 2" in html
    assert "khet-cards" not in html and "ยังไม่มีหนังสือ" not in html
    assert "pagination" not in html  # one page: no pager


def test_a_paged_table_may_become_cards_on_a_phone(app, english_messages):
    html = _render(app, TABLE, _letters(2, 2), cards=True)
    assert 'class="table-responsive khet-cards"' in html


def test_an_empty_page_shows_the_empty_state_with_its_action_instead_of_a_table(app, english_messages):
    html = _render(app, TABLE, _letters(0, 0), cards=True)
    assert "<table" not in html and "ยังไม่มีหนังสือ" in html and 'href="/new">ลงทะเบียน</a>' in html
    assert "ยังไม่มีประกาศ" in _render(app, LIST, None)  # no page at all reads as empty too


def test_paged_draws_the_call_block_and_the_pager_when_there_are_more_pages(app, english_messages):
    with app.test_request_context("/notices/?q=x&page=2"):
        html = render_template_string(LIST, page=Page(items=["ก", "ข"], page=2, per_page=2, total=5))
    assert "<ul data-list><li>ก</li><li>ข</li></ul>" in html
    assert "5 items, page 2 of 3" in html and "page=3" in html and "q=x" in html
