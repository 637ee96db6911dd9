"""Store benchmark: import rate, and list / detail / history latency (p50, p95).

    python benchmarks/store.py --forms 10000                     # SQLite in a temporary folder
    tests/store/run_on_postgres.sh python benchmarks/store.py --forms 10000   # a private PostgreSQL

Project forms are made from the Chizhou example by varying the project name, the unit, the year
and the 实际完成值 of its quantitative rows, so each one is read, bound and scored by the engine
like an imported file (the file reading itself is not measured: ``scoring.score_document`` starts
from the plain document). Each form is saved through ``services.save_scored`` — one transaction
with its evaluation, version, score, history row and audit event, as ``jixiao db import`` does.
Latencies are measured in-process through Django's test client (middleware, auth, JSON included).
The machine is shared: run it at 100,000 forms once at most.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=10000)
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--database", default=os.environ.get("JIXIAO_DATABASE_URL"))
    args = ap.parse_args()
    data = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    try:
        run(args, data)
    finally:
        shutil.rmtree(data, ignore_errors=True)


def run(args, data: Path) -> None:
    from jixiao.server import setup

    setup(database_url=args.database, data_dir=data)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)
    from django.test import Client

    from jixiao.store import reading, scoring, services
    from jixiao.store.models import Evaluation

    print(f"数据库：{connection.vendor}；项目自评表 {args.forms:,} 张，单位 {args.units} 个")
    services.create_unit(actor=None, code="99", name="区划")
    for u in range(args.units):
        services.create_unit(actor=None, code=f"99{u:04d}", name=f"单位{u}", parent_code="99")
    services.create_user(actor=None, username="finance", role="finance")
    services.create_user(actor=None, username="unit0", role="unit", unit_code="990000")
    base = scoring.read_file(ROOT / "examples" / "chizhou-2022" / "form.yaml").document
    rng = random.Random(7)
    units = {u.code: u for u in services.Unit.objects.all()}

    t0 = time.perf_counter()
    half = max(1, args.forms // 2)
    for i in range(args.forms):
        doc = copy.deepcopy(base)
        doc["项目名称"] = f"项目{i % half:06d}"
        doc["年度"] = 2021 if i < half else 2022
        for row in doc["绩效指标"]:
            if isinstance(row.get("实际完成值"), (int, float)):
                row["实际完成值"] = round(row["实际完成值"] * rng.uniform(0.7, 1.1), 1)
        scored = scoring.score_document(scoring.PROJECT, doc, source=f"form{i}.yaml")
        services.save_scored(actor=None, scored=scored, unit=units[f"99{(i % half) % args.units:04d}"],
                             year=None, source=f"form{i}.yaml")
        if (i + 1) % 1000 == 0:
            print(f"  已导入 {i + 1:,}（{(i + 1) / (time.perf_counter() - t0):.0f} 张/秒）", flush=True)
    took = time.perf_counter() - t0
    print(f"导入：{args.forms:,} 张用时 {took:.1f} 秒，{args.forms / took:.0f} 张/秒")
    assert Evaluation.objects.count() == args.forms

    finance, unit0 = Client(), Client()
    finance.defaults["HTTP_AUTHORIZATION"] = f"Bearer {services.issue_token(actor=None, username='finance')}"
    unit0.defaults["HTTP_AUTHORIZATION"] = f"Bearer {services.issue_token(actor=None, username='unit0')}"
    ids = list(Evaluation.objects.values_list("id", flat=True))

    def measure(name, call):
        call()  # warm
        times = []
        for _ in range(args.requests):
            t = time.perf_counter()
            call()
            times.append((time.perf_counter() - t) * 1000)
        print(f"{name}：p50 {pct(times, 50):.1f} ms，p95 {pct(times, 95):.1f} ms，平均 {statistics.mean(times):.1f} ms")

    after = iter(rng.sample(ids, min(len(ids), args.requests + 1)) * 2)

    def list_page():
        r = finance.get(f"/api/v1/evaluations?year=2022&limit=50&after={next(after)}")
        assert r.status_code == 200

    def list_unit():
        r = unit0.get("/api/v1/evaluations?limit=50")
        assert r.status_code == 200

    def detail():
        r = finance.get(f"/api/v1/evaluations/{rng.choice(ids)}")
        assert r.status_code == 200

    def history():
        rows = reading.history(Evaluation.objects.filter(unit__code=f"99{rng.randrange(args.units):04d}"))
        assert rows

    measure("列表（财政，全区划，每页 50）", list_page)
    measure("列表（单位，本单位，每页 50）", list_unit)
    measure("详情（一张表：记录、版本、可执行操作）", detail)
    measure(f"历年对比（一个单位的全部 {args.forms // args.units} 张表）", history)


if __name__ == "__main__":
    main()
