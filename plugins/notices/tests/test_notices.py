"""Posting, reading, withdrawing and finding notices."""

import pytest
from sqlalchemy import select

from core.api import db
from plugins.notices.models import Notice


def test_a_poster_posts_a_notice_that_readers_see(client, login_as, make_person, grant):
    poster = make_person()
    grant("notices.post", to=poster)
    grant("notices.read", to=poster)
    login_as(poster)
    response = client.post("/notices/new", data={"title": "ประชุมผู้บริหาร", "body": "เวลา 09.00 น.", "group_id": "0"})
    assert response.status_code == 302
    notice = db.session.scalar(select(Notice))
    assert (notice.title, notice.author_id, notice.group_id) == ("ประชุมผู้บริหาร", poster.id, None)

    reader = make_person()
    grant("notices.read", to=reader)
    login_as(reader)
    assert "ประชุมผู้บริหาร" in client.get("/notices/").get_data(as_text=True)
    assert client.get(f"/notices/{notice.id}").status_code == 200


def test_a_notice_without_a_title_is_refused_and_nothing_is_saved(client, login_as, make_person, grant):
    poster = make_person()
    grant("notices.post", to=poster)
    login_as(poster)
    response = client.post("/notices/new", data={"title": "", "body": "x", "group_id": "0"})
    assert response.status_code == 200
    assert db.session.scalar(select(Notice)) is None


def test_readers_cannot_post_or_withdraw(client, login_as, make_person, grant):
    reader = make_person()
    grant("notices.read", to=reader)
    notice = Notice(title="ประกาศ", body="")
    db.session.add(notice)
    db.session.commit()
    login_as(reader)
    assert client.post("/notices/new", data={"title": "x", "group_id": "0"}).status_code == 403
    assert client.post(f"/notices/{notice.id}/withdraw").status_code == 403
    db.session.refresh(notice)
    assert notice.withdrawn_at is None


def test_a_withdrawn_notice_is_kept_but_no_longer_shown(client, login_as, make_person, grant):
    poster = make_person()
    grant("notices.post", to=poster)
    grant("notices.read", to=poster)
    notice = Notice(title="ประกาศที่ถอน", body="")
    db.session.add(notice)
    db.session.commit()
    login_as(poster)
    assert client.post(f"/notices/{notice.id}/withdraw").status_code == 302
    assert client.get(f"/notices/{notice.id}").status_code == 404
    assert "ประกาศที่ถอน" not in client.get("/notices/").get_data(as_text=True)
    assert db.session.get(Notice, notice.id).withdrawn_at is not None


def test_global_search_finds_notices_by_a_thai_substring(client, login_as, make_person, grant):
    reader = make_person()
    grant("notices.read", to=reader)
    notice = Notice(title="การรับสมัครครูดีเด่นประจำปี", body="")
    db.session.add(notice)
    db.session.commit()
    login_as(reader)
    assert f"/notices/{notice.id}" in client.get("/search?q=ครูดีเด่น").get_data(as_text=True)


def test_people_without_the_read_permission_find_nothing(client, login_as, make_person):
    notice = Notice(title="ประกาศภายใน", body="")
    db.session.add(notice)
    db.session.commit()
    login_as(make_person())
    assert f"/notices/{notice.id}" not in client.get("/search?q=ประกาศภายใน").get_data(as_text=True)
    assert client.get("/notices/").status_code == 403


def test_search_takes_percent_and_underscore_as_typed_not_as_wildcards(client, login_as, reader, make_notice):
    with_percent = make_notice("ผลสอบผ่าน 100% ทุกโรงเรียน")
    without = make_notice("ประกาศรับสมัครครู report 2570")  # what the wildcards would match
    with_underscore = make_notice("ไฟล์ report_2570.xlsx")
    login_as(reader)
    page = client.get("/search?q=0%25").get_data(as_text=True)  # q=0%
    assert f"/notices/{with_percent.id}" in page and f"/notices/{without.id}" not in page
    page = client.get("/search?q=t_2").get_data(as_text=True)
    assert f"/notices/{with_underscore.id}" in page and f"/notices/{without.id}" not in page


def test_the_service_refuses_a_blank_title_and_leaves_committing_to_the_caller(app, poster):
    from plugins.notices import services
    from plugins.notices.services import NoticeError

    with pytest.raises(NoticeError):
        services.post("   ", "x", poster)
    notice = services.post("ประกาศ", "", poster)
    db.session.rollback()  # the service flushed only: the caller decides
    assert db.session.get(Notice, notice.id) is None
