"""Fixtures for the store: a small 区划 with two 主管部门, a unit under each, one user per role,
two evaluations (the seed case under A1, the Chizhou form under B1) and API clients with tokens.

These tests run on SQLite by default and on PostgreSQL when ``JIXIAO_DATABASE_URL`` is set
(``.ci/run`` starts a private server and runs them a second time)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml"
FORM = ROOT / "examples" / "chizhou-2022" / "form.yaml"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.JIXIAO_DATA_DIR = tmp_path / "data"
    return settings.JIXIAO_DATA_DIR


@pytest.fixture(scope="session")
def seed_scored():
    from jixiao.store import scoring

    return scoring.read_file(SEED)


@pytest.fixture(scope="session")
def form_scored():
    from jixiao.store import scoring

    return scoring.read_file(FORM)


class World:
    """Everything a test needs by name: units, users, evaluations, API clients."""

    def client(self, username: str):
        from django.test import Client

        return Client(HTTP_AUTHORIZATION=f"Bearer {self.tokens[username]}")


@pytest.fixture
def world(db, seed_scored, form_scored):
    from jixiao.store import services
    from jixiao.store.models import Unit

    w = World()
    services.create_unit(actor=None, code="44", name="某市财政局（区划）")
    services.create_unit(actor=None, code="4401", name="主管部门甲", parent_code="44")
    services.create_unit(actor=None, code="440101", name="单位甲一", parent_code="4401")
    services.create_unit(actor=None, code="4402", name="主管部门乙", parent_code="44")
    services.create_unit(actor=None, code="440201", name="单位乙一", parent_code="4402")
    services.create_unit(actor=None, code="45", name="另一区划")
    w.units = {u.code: u for u in Unit.objects.all()}
    people = [("unit_a", "unit", "440101"), ("unit_b", "unit", "440201"), ("dept_a", "dept", "4401"),
              ("dept_b", "dept", "4402"), ("finance", "finance", "44"), ("finance_other", "finance", "45"),
              ("expert", "expert", None), ("expert_idle", "expert", None), ("admin", "admin", None)]
    w.users, w.tokens = {}, {}
    for name, role, unit in people:
        w.users[name] = services.create_user(actor=None, username=name, role=role, unit_code=unit)
        w.tokens[name] = services.issue_token(actor=None, username=name)
    w.ev_a, _ = services.save_scored(actor=w.users["unit_a"], scored=seed_scored, unit=w.units["440101"], year=2020,
                                     source="case.yaml")
    w.ev_b, _ = services.save_scored(actor=w.users["unit_b"], scored=form_scored, unit=w.units["440201"], year=2022,
                                     source="form.yaml")
    services.assign_expert(actor=w.users["finance"], evaluation=w.ev_a, username="expert")
    return w


def move(w: World, ev, *steps):
    """Walk an evaluation through workflow steps as the right people: ("submit", "unit_a"), …"""
    from jixiao.store import services

    for action, who, *text in steps:
        ev = services.transition(actor=w.users[who], evaluation=ev, action=action, text=text[0] if text else "")
    return ev
