"""Runs the YAML cases beside each project-form edition (``frameworks/*/*/tests.yaml`` next to a
``form.yaml``): each changes a complete base form and states the scores, codes and review items
that must follow, or the input error that must be raised. Names are the test ids."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from jixiao.core.errors import InvalidInput
from jixiao.core.form import score_form
from jixiao.frameworks import HERE
from jixiao.intake.form import bind_form, form_editions
from jixiao.intake.yamlio import Located, load

FUNDS_KEYS = ("项目资金", "预算执行情况")
TOTAL_KEYS = ("总分", "合计")


def collect():
    for ref in form_editions():
        path = HERE / ref / "tests.yaml"
        if path.is_file():
            suite = load(path).data
            for case in suite["cases"]:
                yield pytest.param(ref, suite, case, id=f"{ref}:{case['name']}")


CASES = list(collect())


def build(suite: dict, case: dict) -> dict:
    data = copy.deepcopy(suite["base"])
    for key, value in (case.get("set") or {}).items():
        data[key] = copy.deepcopy(value)
    funds_key = next(k for k in FUNDS_KEYS if k in data)
    for field, value in (case.get("funds") or {}).items():
        _put(data[funds_key][0], field, value)
    for n, changes in (case.get("rows") or {}).items():
        for field, value in changes.items():
            _put(data["绩效指标"][int(n) - 1], field, value)
    return data


def _put(row: dict, field: str, value) -> None:
    if value is None:
        row.pop(field, None)
    else:
        row[field] = value


@pytest.mark.parametrize("ref,suite,case", CASES)
def test_case(ref, suite, case):
    doc = Located(build(suite, case), {}, f"{ref}/tests.yaml:{case['name']}")
    if "error" in case:
        with pytest.raises(InvalidInput) as info:
            bind_form(doc, Path("."))
        codes = [p.code for p in info.value.problems]
        assert case["error"] in codes, codes
        return
    form, fw, warnings = bind_form(doc, Path("."))
    assert fw.id == ref
    if "warning" in case:
        assert case["warning"] in [w.code for w in warnings]
    else:
        assert not warnings, warnings
    r = score_form(fw, form)
    want = case.get("expect") or {}
    lines = {ln.name: ln for ln in r.lines}
    if "total" in want:
        assert r.total == pytest.approx(want["total"], abs=1e-9)
    for key in ("grade", "status"):
        if key in want:
            assert getattr(r, key) == want[key], (key, getattr(r, key))
    for name, score in (want.get("lines") or {}).items():
        assert lines[name].cents == round(score * 100), (name, lines[name].score, lines[name].trace)
    for name, code in (want.get("codes") or {}).items():
        assert lines[name].code == code, (name, lines[name].code)
    if "review" in want:
        assert sorted({f.code for f in r.review}) == sorted(want["review"]), [str(f) for f in r.review]
    if "notes" in want:
        assert sorted({f.code for f in r.findings if not f.review}) == sorted(want["notes"])


def test_every_form_edition_has_cases():
    assert {c.values[0] for c in CASES} >= {"national-project/2020", "sichuan-project/2023"}
