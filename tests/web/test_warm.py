"""``jixiao serve`` loads, before serving, what every process's first pages would otherwise load in
front of their users: the views, the compiled templates, the shipped editions and the framework of
each edition in use (jixiao.web.warm)."""

from __future__ import annotations

import pytest
from tests.web.test_views import client_for, seed_post

pytestmark = pytest.mark.django_db


def test_after_warming_the_first_entry_page_and_live_score_read_no_edition_file(demo, monkeypatch):
    from jixiao.intake import framework as intake_framework
    from jixiao.intake import yamlio
    from jixiao.web import stored, warm

    ev = demo.ev[("4403RS04", 2020)]
    post = seed_post()
    stored._FRAMEWORKS.clear()
    stored._SOURCES.clear()
    counts = warm.warm()
    assert ev.edition.hash in stored._FRAMEWORKS
    assert counts["frameworks"] >= 1 and counts["templates"] >= 20
    from jixiao.frameworks import editions

    assert counts["editions"] >= len(editions())

    def no_file(*args, **kwargs):
        raise AssertionError("an edition's file was read while serving a page")

    monkeypatch.setattr(yamlio, "load", no_file)
    monkeypatch.setattr(intake_framework, "load_framework", no_file)
    c = client_for("danwei2")
    assert c.get(f"/e/{ev.pk}/edit").status_code == 200
    r = c.post(f"/e/{ev.pk}/live", post)
    assert r.status_code == 200 and 'id="total"' in r.content.decode()

