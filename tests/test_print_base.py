"""print_base.html and macros/print.html: the sheet every printable page of every module is printed on."""

from __future__ import annotations

import datetime as dt

from flask import render_template_string

from core.calendar import format_date, local_today

PAGE = """{% extends "print_base.html" %}
{% from "macros/print.html" import signatures %}
{% set orientation = orientation_asked %}
{% set back_url = "/rooms/" %}
{% block title %}ตารางการใช้ห้อง{% endblock %}
{% block content %}<table class="print-table"><thead><tr><th>วันที่</th></tr></thead>
<tbody><tr><td>{{ day|thai_date("long") }}</td></tr></tbody></table>
{{ signatures([("สมชาย ใจดี", "ประธานกรรมการ"), "สมหญิง รักงาน", {"name": "", "role": "ผู้ตรวจ"}], caption="ลงชื่อ",
              role="กรรมการ") }}{% endblock %}"""


def _render(app, **values):
    with app.test_request_context("/"):
        return render_template_string(PAGE, day=dt.date(2026, 7, 1), **{"orientation_asked": None, **values})


def test_a_printed_page_is_an_a4_sheet_in_sarabun_with_thai_buddhist_era_dates(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "th")
    html = _render(app)
    assert "@page { size: A4 portrait;" in html and 'class="khet-print khet-print-portrait"' in html
    assert 'font-family: "Sarabun"' in html  # Sarabun first; Thai system fonts after it
    assert "<title>ตารางการใช้ห้อง</title>" in html and ">ตารางการใช้ห้อง</h1>" in html  # the title is the heading
    assert "1 กรกฎาคม 2569" in html  # the module's date, in BE
    assert "พิมพ์" in html  # the print button and "Printed <date>" in Thai


def test_the_print_button_and_back_link_are_not_printed_and_the_headers_repeat_on_each_page(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    html = _render(app, orientation_asked="landscape")
    assert "@page { size: A4 landscape;" in html
    tools = html.split("data-print-tools>", 1)[1].split("</div>", 1)[0]
    assert "data-print" in tools and 'href="/rooms/"' in tools and ">Back</a>" in tools
    assert ".no-print { display: none !important; }" in html
    assert "thead { display: table-header-group; }" in html
    assert "break-inside: avoid" in html and ".page-break { break-before: page;" in html
    assert f"Printed {format_date(local_today(), 'long', 'en')}" in html


def test_signatures_name_each_signer_with_a_role_and_leave_a_line_for_a_blank_name(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    html = _render(app)
    block = html.split("data-signatures>", 1)[1].split("</table>", 1)[0]
    cells = block.split("<td>")[1:]
    assert len(cells) == 3
    assert "(สมชาย ใจดี)<br>ประธานกรรมการ" in cells[0]
    assert "(สมหญิง รักงาน)<br>กรรมการ" in cells[1]  # no role of its own: the common one
    assert "(............................)<br>ผู้ตรวจ" in cells[2]
    assert ">ลงชื่อ</p>" in html
