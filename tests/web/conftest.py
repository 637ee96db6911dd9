"""Fixtures of the web tests: a private data folder per test, jobs run in the test's thread, and
the demo store (what ``jixiao serve --demo`` shows, so these tests also check that it loads)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.JIXIAO_DATA_DIR = tmp_path / "data"
    settings.JIXIAO_JOBS_INLINE = True  # jobs run in the test's thread: the test database is not shared
    return settings.JIXIAO_DATA_DIR


@pytest.fixture
def demo(db):
    from jixiao.store.models import Evaluation
    from jixiao.web import demo as d

    d.load()

    class W:
        pass

    W.ev = {(e.unit.code, e.year): e for e in Evaluation.objects.filter(kind="dept").select_related("unit")}
    return W
