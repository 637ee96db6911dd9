"""The entry form's shape is worked out once per framework; what the case holds still fills it."""

from __future__ import annotations

import pytest

from jixiao.core.errors import Problem
from jixiao.intake.framework import load_framework
from jixiao.web import entry


def shape(gs):
    return [(g.id, g.name, g.path, [(f.n, f.name, f.unit, f.value, f.evidence, f.available,
                                     [p.message for p in f.problems]) for f in g.fields]) for g in gs]


@pytest.fixture
def fw():
    # A copy: its own layout, whatever other tests cached for the shipped object.
    return load_framework("shenzhen-dept/2020").model_copy()


def test_rules_are_walked_once_per_framework(fw, monkeypatch):
    data = {"money_unit": "元", "facts": {"年初预算数": 120, "绩效管理制度": {"met": True, "evidence": "见附件"}}}
    first = entry.groups(fw, data)

    def walked(rule):
        raise AssertionError("the layout of a framework already seen was worked out again")

    monkeypatch.setattr(entry, "facts_of", walked)
    again = entry.groups(fw, data)
    assert shape(again) == shape(first)
    assert again[0].fields[0] is not first[0].fields[0]  # fields are the request's own
    with pytest.raises(AssertionError, match="worked out again"):
        entry.groups(fw.model_copy(), data)  # another framework object: its own layout


def test_the_case_still_fills_the_form(fw):
    empty = entry.groups(fw, {})
    field = {f.name: f for g in entry.groups(fw, {"money_unit": "元", "facts": {
        "年初预算数": 120, "绩效管理制度": {"met": False, "evidence": "制度未印发"}}}) for f in g.fields}
    assert field["年初预算数"].value == "120" and field["年初预算数"].unit == "元"
    assert field["绩效管理制度"].value == entry.NOT_MET and field["绩效管理制度"].evidence == "制度未印发"
    assert {f.name: f for g in empty for f in g.fields}["年初预算数"].unit == "万元"
    assert all(f.value == "" or f.kind == "judgement" for g in empty for f in g.fields)
    placed = entry.groups(fw, {}, [Problem("E-IN", "年初预算数 不能为负数", f"{entry.SOURCE}:facts.年初预算数")])
    assert [p.message for g in placed for f in g.fields if f.name == "年初预算数" for p in f.problems] == \
        ["年初预算数 不能为负数"]


def test_counts_kept_as_a_list_leave_the_form_and_the_numbering_stays_dense(fw):
    counted = {name for name, spec in fw.facts.items() if spec.count_of == "项目清单"}
    assert {"计划完成项目数", "按时完成项目数"} <= counted
    typed = [f for g in entry.groups(fw, {}) for f in g.fields]
    listed = [f for g in entry.groups(fw, {"lists": {"项目清单": []}}) for f in g.fields]
    assert counted <= {f.name for f in typed}
    assert not counted & {f.name for f in listed}
    assert [f.name for f in listed] == [f.name for f in typed if f.name not in counted]
    assert [f.n for f in listed] == [str(i) for i in range(len(listed))]
    # every declared fact not derived from the list is on the form exactly once
    assert sorted(f.name for f in listed) == sorted(set(fw.facts) - counted)
