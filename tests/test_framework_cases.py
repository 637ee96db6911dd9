"""Runs the YAML cases that sit beside each shipped framework edition (``tests.yaml``).

Each case starts from the edition's ``base_facts`` (a complete, valid set), changes a few, and
states the scores (``expect``), statuses, trace fragments or input error codes that must follow.
The names are sentences a finance official would agree with; they are the test ids.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.core.engine import evaluate
from jixiao.core.errors import InvalidInput
from jixiao.core.numbers import round_half_up
from jixiao.frameworks import editions
from jixiao.frameworks import tests_path as edition_tests
from jixiao.intake.case import bind_case
from jixiao.intake.yamlio import Located, load


def collect():
    for ref in editions():
        path = edition_tests(ref)
        if path is None:
            continue
        doc = load(path).data
        for case in doc.get("cases", []):
            yield pytest.param(ref, doc, case, id=f"{ref}:{case['name']}")


CASES = list(collect())


@pytest.mark.parametrize("ref,suite,case", CASES)
def test_case(ref, suite, case):
    facts = dict(suite.get("base_facts", {}))
    facts.update(case.get("facts", {}))
    for name in case.get("drop", []):
        facts.pop(name, None)
    data = {"subject": "测试单位", "year": 2020, "framework": ref, "money_unit": suite.get("money_unit", "万元"),
            "facts": facts}
    if "lists" in case:
        data["lists"] = case["lists"]
    doc = Located(data, {}, f"{ref}/tests.yaml:{case['name']}")
    if "error" in case:
        with pytest.raises(InvalidInput) as info:
            bind_case(doc, Path("."))
        codes = [p.code for p in info.value.problems]
        assert case["error"] in codes, f"expected {case['error']}, got {codes}"
        return
    c, fw = bind_case(doc, Path("."))
    e = evaluate(fw, c)
    for key, want in (case.get("expect") or {}).items():
        got = e.total if key == "total" else e[key].score
        assert got is not None, f"{key} not scorable: {e[key].reason_text}"
        assert round_half_up(got) == pytest.approx(want, abs=1e-9), f"{key}: {got} (trace: {e[key].trace if key != 'total' else ''})"
    if "grade" in case:
        assert e.grade == case["grade"], f"grade {e.grade!r} for a total shown as {round_half_up(e.total):.2f}"
    for key, want in (case.get("status") or {}).items():
        assert e[key].status == want, f"{key}: {e[key].status} ({e[key].trace})"
    for key, fragment in (case.get("trace_contains") or {}).items():
        assert fragment in e[key].trace, f"{key}: {fragment!r} not in {e[key].trace!r}"
    if "reason" in case:
        for key, code in case["reason"].items():
            assert e[key].reason.startswith(code), f"{key}: reason {e[key].reason}"


def test_every_edition_has_cases():
    assert {c.values[0] for c in CASES} >= {"shenzhen-dept/2020"}
