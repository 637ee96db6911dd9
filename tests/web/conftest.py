"""Fixtures of the web tests: a private data folder per test, jobs run in the test's thread, the
pages' edition caches emptied around each test, and the demo store (what ``jixiao serve --demo``
shows, so these tests also check that it loads)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.JIXIAO_DATA_DIR = tmp_path / "data"
    settings.JIXIAO_JOBS_INLINE = True  # jobs run in the test's thread: the test database is not shared
    return settings.JIXIAO_DATA_DIR


@pytest.fixture(autouse=True)
def fresh_edition_caches():
    """Each test starts, and leaves, with the pages' per-process edition caches empty, as a fresh process.

    A server process keeps one data folder for its life; each test has its own. The caches rely on
    the former: an edition's source is kept per data folder (its frozen copy lives there), its
    framework per content hash only, and the source is looked up only when the framework is not
    cached yet. Left over from an earlier test, the framework is found while this test's source is
    not, so a page that needs only the source reads the frozen framework again, and a test of what a
    warm process reads passes or fails by which files ran before it. (Apart from ``data_dir``, which
    some files override, so that an override cannot drop it.)"""
    from jixiao.web import stored

    stored._FRAMEWORKS.clear()
    stored._SOURCES.clear()
    yield
    stored._FRAMEWORKS.clear()
    stored._SOURCES.clear()


@pytest.fixture
def demo(db):
    from jixiao.store.models import Evaluation
    from jixiao.web import demo as d

    d.load()

    class W:
        pass

    W.ev = {(e.unit.code, e.year): e for e in Evaluation.objects.filter(kind="dept").select_related("unit")}
    return W
