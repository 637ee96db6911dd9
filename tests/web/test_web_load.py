"""The load benchmark's simulated users (benchmarks/web_load.py): what they ask for and when.

Run with a fake clock, so these check the schedule, not any timing: the pages in their order, the
saves and their outcomes, the first pause, and that nothing is sent once the timed minute is over.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import defaultdict
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "web_load.py"
spec = importlib.util.spec_from_file_location("web_load", PATH)
web_load = importlib.util.module_from_spec(spec)
spec.loader.exec_module(web_load)

FORM = ('<form><input name="csrfmiddlewaretoken" value="t"><input name="base" value="3">'
        '<input name="v.预算执行率" value="0.9"><textarea name="v.说明">旧</textarea></form>')
PAGES = {"ev": ["11", "12"], "mine": "7"}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


class FakeUser:
    """Answers like the server; each request takes ``cost`` seconds of the fake clock."""

    def __init__(self, name: str, clock: Clock, save_status: int = 302, cost: float = 0.05) -> None:
        self.name, self.clock, self.save_status, self.cost = name, clock, save_status, cost
        self.lock = threading.Lock()
        self.calls: list[tuple[float, str, str, dict | None]] = []

    def call(self, label, path, data=None, expect=(200, 302), follow=True):
        self.calls.append((self.clock.now, label, path, data))
        self.clock.now += self.cost
        if label == "保存":
            assert expect == (302, 409) and not follow
            return self.save_status, ""
        return 200, FORM if label == "填报页" else "<p>ok</p>"


def run(name: str, seed: int = 1, think: float = 3.0, until: float = 60.0, together: bool = False, **kw):
    clock = Clock()
    user, saves = FakeUser(name, clock, **kw), defaultdict(int)
    web_load.run_user(user, PAGES, until, saves, think, seed, together, clock=clock, sleep=clock.sleep)
    return user.calls, saves, clock


@pytest.mark.parametrize("name", ["danwei2", "zhuguan", "caizheng"])
def test_nothing_is_sent_after_the_timed_minute(name):
    for seed in range(20):
        calls, _, _ = run(name, seed=seed)
        assert calls, "a user in a 60 s minute with 3 s pauses asks for something"
        assert all(t < 60.0 for t, *_ in calls)


def test_users_do_not_all_start_in_the_same_instant():
    firsts = [run("zhuguan", seed=seed)[0][0][0] for seed in range(50)]
    assert all(t > 0 for t in firsts)
    assert len(set(firsts)) == 50
    # --together: everyone's first page at once, as in the runs before
    assert [run("zhuguan", seed=seed, together=True)[0][0][0] for seed in range(5)] == [0.0] * 5


def test_a_reviewer_browses_the_same_pages_in_order():
    calls, saves, _ = run("zhuguan", seed=3, until=600.0)
    labels = [label for _, label, *_ in calls]
    rounds = len(labels) // 4
    assert rounds >= 5
    assert labels[:rounds * 4] == ["工作台", "评价详情", "总览", "审计日志"] * rounds
    assert {path for _, label, path, _ in calls if label == "评价详情"} == {"/e/11/", "/e/12/"}
    assert not saves


def test_a_unit_user_scores_live_and_saves_every_third_round_from_the_form_it_loaded():
    calls, saves, _ = run("danwei2", seed=5, until=900.0)
    labels = [label for _, label, *_ in calls]
    assert labels[:14] == ["工作台", "评价详情", "填报页", "试算（HTMX）", "工作台", "评价详情", "填报页", "试算（HTMX）",
                           "工作台", "评价详情", "填报页", "试算（HTMX）", "保存", "工作台"]
    posted = [(path, data) for _, label, path, data in calls if label == "保存"]
    assert saves["ok"] == len(posted) >= 3 and not saves["conflict"]
    path, data = posted[0]
    assert path == "/e/7/edit"
    assert data["base"] == "3" and data["v.预算执行率"] == "0.9" and data["csrfmiddlewaretoken"] == "t"
    # every save is a real change, unique to this user and round
    texts = [data["e.绩效管理制度"] for _, data in posted]
    assert len(set(texts)) == len(texts) and all("danwei2-5" in t for t in texts)


def test_a_refused_save_is_counted_as_a_conflict():
    _, saves, _ = run("danwei2", seed=5, until=900.0, save_status=409)
    assert saves["conflict"] >= 3 and not saves["ok"] and not saves["other"]


def test_closed_loop_stops_at_the_deadline():
    calls, _, _ = run("caizheng", think=0.0, until=2.0)
    assert calls and all(t < 2.0 for t, *_ in calls)
    assert calls[0][0] == 0.0  # no pause at all, not even first
