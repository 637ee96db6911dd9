"""Parity: the monitoring lights computed by the scalar walker, by Polars and by DuckDB from the
same trees agree on every row, for both shipped monitoring editions, on random forms that include
every band edge (exactly 60%, 80%, 120%, each Sichuan checkpoint, a 10-point gap) and missing or
zero figures."""

from __future__ import annotations

import random

import polars as pl
import pytest

from jixiao.batch.monitoring import lights_duckdb, lights_polars, long_table, red_by_department
from jixiao.core.cycle.monitoring import MonIndicator, MonitoringForm, MonTask, monitor
from jixiao.intake.cycle import load_edition

EDGES = (0.25, 0.4, 0.6, 0.8, 1.0, 1.2)


def forms(n: int, seed: int) -> list[MonitoringForm]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        months = rnd.randint(1, 12)
        budget = rnd.choice([0.0, 120.0, 100.0, round(rnd.uniform(1, 5000), 2)])
        if rnd.random() < 0.5 and budget:
            # land exactly on an edge of the time-proportional or the checkpoint rule
            share = rnd.choice(EDGES) * (months / 12 if rnd.random() < 0.5 else 1)
            spent = min(budget, round(budget * share, 2))
        else:
            spent = round(rnd.uniform(0, budget), 2) if budget else 0.0
        f = MonitoringForm(project=f"项目{i % 97}", months=months, budget=budget if rnd.random() > 0.03 else None,
                           spent=spent, forecast=budget, department=f"部门{i % 7}")
        target = rnd.choice([50.0, 120.0, 95.0, 0.0])
        done = round(target * rnd.choice(EDGES + (rnd.random() * 1.5,)) * (months / 12 if rnd.random() < 0.5 else 1), 4)
        f.indicators = [
            MonIndicator("产出指标", "数量指标", "数量", op=rnd.choice(["≥", ">", "="]), target=target, unit="个",
                         done=None if rnd.random() < 0.05 else done),
            MonIndicator("产出指标", "质量指标", "合格率", op="≥", target=95.0, unit="%", done=round(rnd.uniform(50, 120), 1)),
            MonIndicator("产出指标", "成本指标", "成本", op="≤", target=90.0, unit="万元", done=rnd.choice([90.0, 90.01, 45.0])),
            MonIndicator("效益指标", "社会效益指标", "效益", kind="定性", grade=rnd.choice(["达成", "部分达成", "未达成", ""])),
        ]
        out.append(f)
    return out


def dept_forms(n: int, seed: int) -> list[MonitoringForm]:
    """部门整体 forms: the same figures, plus 年度主要任务 each at a band edge, missing or zero."""
    rnd = random.Random(seed)
    out = forms(n, seed)
    for f in out:
        f.form = "dept"
        f.tasks = []
        for k in range(rnd.randint(1, 3)):
            budget = rnd.choice([0.0, 300.0, round(rnd.uniform(1, 900), 2)])
            spent = min(budget, round(budget * rnd.choice(EDGES) * f.months / 12, 2)) if rnd.random() < 0.6 else \
                round(rnd.uniform(0, budget), 2)
            f.tasks.append(MonTask(f"任务{k}", budget if rnd.random() > 0.05 else None, spent, budget))
    return out


@pytest.mark.parametrize("ref", ["national-monitoring/2019", "sichuan-monitoring/2025", "national-monitoring-dept/2019"])
def test_polars_and_duckdb_agree_with_the_scalar_walker(ref):
    ed = load_edition(ref, "monitoring")
    batch = (dept_forms if ed.form == "dept" else forms)(1500, seed=sum(map(ord, ref)))
    scalar = [(lt.subject, lt.light) for f in batch for lt in monitor(ed, f).lights]
    table = long_table(batch)
    by_polars = lights_polars(ed, table)
    by_duckdb = lights_duckdb(ed, table)
    assert list(zip(by_polars["对象"], by_polars["灯"])) == scalar
    assert list(zip(by_duckdb["对象"], by_duckdb["灯"])) == scalar
    assert {"红", "黄", "绿"} <= set(by_polars["灯"])  # the sample reaches the bands, not one colour


def test_red_projects_are_listed_by_department():
    ed = load_edition("national-monitoring/2019", "monitoring")
    f1 = MonitoringForm(project="甲项目", months=7, budget=120.0, spent=10.0, forecast=120.0, department="教育局")
    f2 = MonitoringForm(project="乙项目", months=7, budget=120.0, spent=70.0, forecast=120.0, department="教育局")
    f3 = MonitoringForm(project="丙项目", months=7, budget=120.0, spent=20.0, forecast=120.0, department="卫健委")
    lit = lights_polars(ed, long_table([f1, f2, f3]))
    red = red_by_department(lit)
    assert red.select("主管部门", "项目数").rows() == [("卫健委", 1), ("教育局", 1)]
    assert red.filter(red["主管部门"] == "教育局")["项目"].to_list() == [["甲项目"]]


def test_synthetic_table_reads_back_and_both_engines_agree(tmp_path):
    from jixiao.batch.monitoring import read_table, synth

    ed = load_edition("national-monitoring/2019", "monitoring")
    path = tmp_path / "m.parquet"
    synth(2000, seed=3).write_parquet(path)
    table = read_table(path)
    a, b = lights_polars(ed, table), lights_duckdb(ed, table)
    assert a.equals(b) and len(a) == 2000 * 5
    assert set(a["灯"]) >= {"红", "黄", "绿", "蓝"}


def test_a_table_with_spending_above_budget_is_refused(tmp_path):
    from jixiao.batch.monitoring import read_table, synth
    from jixiao.core.errors import InvalidInput

    df = synth(10, seed=1)
    df = df.with_columns(pl.when(pl.col("表号") == "3").then(pl.col("预算数") * 2).otherwise(pl.col("执行数")).alias("执行数"))
    path = tmp_path / "bad.csv"
    df.write_csv(path)
    with pytest.raises(InvalidInput) as info:
        read_table(path)
    over = {p.code: p for p in info.value.problems}["E-IN-MON-OVER"]
    assert "5 行" in over.message and "第 17、" in over.message  # the CSV line of form 3's first row
