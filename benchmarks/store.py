"""Store benchmark: import rate (the bulk path against the per-file path, in the same run), and
list / detail / history latency (p50, p95).

    python benchmarks/store.py --forms 10000                     # SQLite in a temporary folder
    tests/store/run_on_postgres.sh python benchmarks/store.py --forms 10000   # a private PostgreSQL

Project forms are made from the Chizhou example by varying the project name, the unit, the year
and the 实际完成值 of its quantitative rows, so each one is bound and scored by the engine like an
imported file (reading the file itself is not measured: scoring starts from the plain document).

* **baseline**: the per-file path, ``services.save_scored`` — one transaction per form with its
  evaluation, version, score, history row and audit events — for ``--baseline`` forms;
* **bulk**: :mod:`jixiao.store.bulk` — every form scored in this process, then written 500 to a
  transaction with ``bulk_create_with_history`` (history and audit rows still written) — for the
  other ``--forms``; scoring and writing are timed apart, and the ratio to the baseline printed.

**writing alone** (PostgreSQL): ``--writes`` scored forms written by the bulk path as it is and as
Django 5.2 writes JSON by itself (``UNNEST`` arrays, escaped by psycopg in Python), the ratio printed.

**folder import**: ``--files`` forms written as YAML files into a folder of one unit and imported
as ``jixiao db import FOLDER`` does (each file read, bound and scored, then written), once with one
scoring process and once with one per core (``--workers``), the ratio printed.

Latencies are measured in-process through Django's test client (middleware, auth, JSON included);
the list is also timed as it was before total and grade were copied onto Evaluation (a correlated
subquery per row), as a baseline. The machine is shared: run it at 100,000 forms once at most.
"""

from __future__ import annotations

import argparse
import copy
import itertools
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
    ap.add_argument("--baseline", type=int, default=200, help="forms through the per-file path, for the ratio")
    ap.add_argument("--writes", type=int, default=1000,
                    help="PostgreSQL: forms written with and without Django's UNNEST bulk insert (writing alone)")
    ap.add_argument("--files", type=int, default=1000,
                    help="forms written as files and imported as a folder, with one process and one per core")
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

    from jixiao.store import bulk, reading, scoring, services
    from jixiao.store.models import AuditEvent, Evaluation, Score

    print(f"数据库：{connection.vendor}；项目自评表 {args.forms:,} 张，单位 {args.units} 个；"
          f"负载 {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    services.create_unit(actor=None, code="99", name="区划")
    for u in range(args.units):
        services.create_unit(actor=None, code=f"99{u:04d}", name=f"单位{u}", parent_code="99")
    services.create_user(actor=None, username="finance", role="finance")
    services.create_user(actor=None, username="unit0", role="unit", unit_code="990000")
    base = scoring.read_file(ROOT / "examples" / "chizhou-2022" / "form.yaml").document
    rng = random.Random(7)
    units = {u.code: u for u in services.Unit.objects.all()}

    half = max(1, args.forms // 2)

    def make(i: int) -> tuple[str, dict]:
        doc = copy.deepcopy(base)
        doc["项目名称"] = f"项目{i % half:06d}"
        doc["年度"] = 2021 if i < half else 2022
        for row in doc["绩效指标"]:
            if isinstance(row.get("实际完成值"), (int, float)):
                row["实际完成值"] = round(row["实际完成值"] * rng.uniform(0.7, 1.1), 1)
        return f"99{(i % half) % args.units:04d}", doc

    # Baseline: the per-file path, on forms of their own (另一年度) so both paths create evaluations.
    nb = min(args.baseline, args.forms)
    t0 = time.perf_counter()
    for i in range(nb):
        code, doc = make(i)
        doc["年度"] = 2020
        scored = scoring.score_document(scoring.PROJECT, doc, source=f"base{i}.yaml")
        services.save_scored(actor=None, scored=scored, unit=units[code], year=None, source=f"base{i}.yaml")
    base_rate = nb / (time.perf_counter() - t0)
    print(f"基线（逐个文件：评分 + 每张一个事务）：{nb:,} 张，{base_rate:.1f} 张/秒", flush=True)

    # Bulk: grouped by unit, as `jixiao db import` is called per unit.
    by_unit: dict[str, list[int]] = {}
    for i in range(args.forms):
        by_unit.setdefault(f"99{(i % half) % args.units:04d}", []).append(i)
    timer = {"score": 0.0}

    def scored_items(numbers):
        for j in numbers:
            t = time.perf_counter()
            s = scoring.score_document(scoring.PROJECT, make(j)[1], source=f"form{j}.yaml")
            timer["score"] += time.perf_counter() - t
            yield f"form{j}.yaml", s

    done = 0
    t0 = time.perf_counter()
    for code, numbers in by_unit.items():
        out = bulk.import_scored(actor=None, unit_code=code, year=None, items=scored_items(numbers))
        assert all(o.ok for o in out), [o.error for o in out if not o.ok][:3]
        before, done = done, done + len(out)
        if done // 10000 != before // 10000:
            print(f"  已导入 {done:,}（{done / (time.perf_counter() - t0):.0f} 张/秒）", flush=True)
    took = time.perf_counter() - t0
    rate = args.forms / took
    print(f"批量导入：{args.forms:,} 张用时 {took:.1f} 秒，{rate:.0f} 张/秒（基线的 {rate / base_rate:.1f} 倍）；"
          f"其中评分 {timer['score']:.1f} 秒（{args.forms / timer['score']:.0f} 张/秒），"
          f"写入 {took - timer['score']:.1f} 秒（{args.forms / (took - timer['score']):.0f} 张/秒）")
    assert Evaluation.objects.count() == args.forms + nb
    print(f"评价 {Evaluation.objects.count():,}，历史行 {Evaluation.history.count():,}，"
          f"审计事件 {AuditEvent.objects.count():,}", flush=True)

    if args.writes:
        write_paths(args, make, bulk)
    if args.files:
        folder_import(args, data, make, bulk)

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

    after = itertools.cycle(rng.sample(ids, min(len(ids), args.requests + 1)))

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

    def list_old():
        from django.db.models import OuterRef, Subquery

        latest = Score.objects.filter(version__evaluation=OuterRef("pk"), version__number=OuterRef("current"))
        qs = (Evaluation.objects.select_related("unit", "edition").filter(year=2022, id__gt=next(after))
              .annotate(_t=Subquery(latest.values("total")[:1]), _g=Subquery(latest.values("grade")[:1])))
        assert len(list(qs.order_by("id")[:51])) >= 0

    def list_new():
        qs = (Evaluation.objects.select_related("unit", "edition").defer("edition__framework")
              .filter(year=2022, id__gt=next(after)))
        assert len(list(qs.order_by("id")[:51])) >= 0

    measure("列表查询（基线：当前总分用相关子查询，并读出冻结指标体系）", list_old)
    measure("列表查询（现在：总分在评价行上，不读冻结指标体系）", list_new)
    measure("列表（财政，全区划，每页 50）", list_page)
    measure("列表（单位，本单位，每页 50）", list_unit)
    measure("详情（一张表：记录、版本、可执行操作）", detail)
    measure(f"历年对比（一个单位的全部 {args.forms // args.units} 张表）", history)
    print(f"结束时负载 {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def write_paths(args, make, bulk) -> None:
    """The writing alone, on PostgreSQL: --writes scored forms of one unit written by the bulk path
    as it is, and as Django 5.2 writes them by itself (JSON columns inserted as ``UNNEST`` arrays,
    the store's ``JSONField.get_placeholder`` taken away for the run) — the baseline of migration
    0008 and of that field."""
    from django.db import connection

    from jixiao.store import scoring
    from jixiao.store.models import JSONField

    if connection.vendor != "postgresql":
        return
    n = args.writes
    rates = {}
    for label, year in (("Django 自带的 UNNEST 数组写法（基线）", 2040), ("现在：VALUES 写法", 2041)):
        items = []
        for i in range(n):
            doc = make(i)[1]
            doc["年度"] = year
            items.append((f"w{year}-{i}.yaml", scoring.score_document(scoring.PROJECT, doc, source=f"w{i}.yaml")))
        placeholder = JSONField.get_placeholder
        if year == 2040:
            del JSONField.get_placeholder
        try:
            t0 = time.perf_counter()
            out = bulk.import_scored(actor=None, unit_code="990001", year=None, items=items)
            took = time.perf_counter() - t0
        finally:
            JSONField.get_placeholder = placeholder
        assert all(o.ok for o in out), [o.error for o in out if not o.ok][:3]
        rates[year] = n / took
        print(f"只计写入，{label}：{n:,} 张用时 {took:.1f} 秒，{rates[year]:.0f} 张/秒"
              + (f"（基线的 {rates[year] / rates[2040]:.1f} 倍）" if year == 2041 else ""), flush=True)


def folder_import(args, data: Path, make, bulk) -> None:
    """``jixiao db import FOLDER``'s path: --files YAML files of one unit read and scored with one
    process (the baseline) and with one per core (``--workers``), each into evaluations of its own."""
    from ruamel.yaml import YAML

    yaml = YAML()
    cores = os.cpu_count() or 1
    rates = {}
    for workers, year in ((1, 2030), (cores, 2031)):
        folder = data / f"folder{workers}"
        folder.mkdir()
        for i in range(args.files):
            doc = make(i)[1]
            doc["年度"] = year
            with (folder / f"form{i:06d}.yaml").open("w", encoding="utf-8") as f:
                yaml.dump(doc, f)
        paths = sorted(folder.iterdir())
        t0 = time.perf_counter()
        out = bulk.import_scored(actor=None, unit_code="990000", year=None, items=bulk.read_files(paths, workers=workers))
        took = time.perf_counter() - t0
        assert all(o.ok for o in out), [o.error for o in out if not o.ok][:3]
        rates[workers] = args.files / took
        print(f"文件夹导入（读文件 + 评分 + 写入，{workers} 个评分进程）：{args.files:,} 个文件用时 {took:.1f} 秒，"
              f"{rates[workers]:.0f} 张/秒" + (f"（单进程的 {rates[workers] / rates[1]:.2f} 倍）" if workers > 1 else ""),
              flush=True)


if __name__ == "__main__":
    main()
