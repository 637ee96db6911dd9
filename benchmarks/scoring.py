"""Scalar engine benchmark: one project form bound and scored with its full Chinese trace, the way
the store, the web pages and ``jixiao score`` do it, against the way it was done before, measured
in the same run, in alternating rounds.

    python benchmarks/scoring.py [--forms 500] [--rounds 3]

* **baseline** (the engine before 3 December 2026, put back for its rounds by patching): every
  line and indicator walks its trees node by node (:func:`jixiao.core.expr.evaluate`); each rule's
  tree is built again whenever it is asked for, and the trace builds and walks it again (the
  department engine remembering values by hashing whole trees); intake's checks parse the
  framework's formulas again for every case; a shipped edition is found by listing them all;
* **now**: each rule's tree is built once (``rules.base.once``) and runs as a compiled function
  (:func:`jixiao.core.expr.compile_tree`); the trace is handed the values already computed; a
  formula is parsed once; the edition is found by its folder.

Two kinds of work: the Chizhou project form with its 实际完成值 varied (so every branch of the row
rules is met), and the seed's department case (深圳市社会保险基金管理局 2020, the 附件1 framework),
bound with intake's checks as the web's 试算 and every save do. Both ways must give the same
records; the script checks that before it prints a figure.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forms", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    from jixiao.core import expr as E
    from jixiao.core.form import FormFramework
    from jixiao.store import scoring

    base = scoring.read_file(ROOT / "examples" / "chizhou-2022" / "form.yaml").document
    rng = random.Random(7)
    docs = []
    for _ in range(args.forms):
        doc = copy.deepcopy(base)
        for row in doc.get("绩效指标", []):
            if isinstance(row.get("实际完成值"), (int, float)) and rng.random() < 0.5:
                row["实际完成值"] = round(row["实际完成值"] * rng.choice([0.5, 0.9, 0.999, 1.0, 1.6]), 4)
        docs.append(doc)

    from jixiao.core import engine, model
    from jixiao.core import form as form_module
    from jixiao.core.rules import base as rules_base
    from jixiao.core.rules import target as target_module
    from jixiao.intake import editions

    def walker(self, key, build):  # the same trees, walked node by node on every call
        tree = self._cached("tree:" + key, build)
        return lambda env: E.evaluate(tree, env)

    def memo_by_tree(self, n):  # the department engine's memo as it was: keyed by the tree's hash
        memo = self.__dict__.setdefault("_by_tree", {})
        if n not in memo:
            memo[n] = E.evaluate(n, self.env)
        return memo[n]

    def every_time(rule, key, build):  # built again at every call, as before
        return build()

    patches = {
        (FormFramework, "compiled"): walker,
        (form_module.LineEvaluator, "__call__"): lambda self, n: E.evaluate(n, self.env),
        (engine.CaseEvaluator, "__call__"): memo_by_tree,
        (engine.CaseEvaluator, "score"): lambda self, rule: self(rule.lower()),
        (rules_base, "once"): every_time, (target_module, "once"): every_time,
        (engine, "once"): every_time, (model, "once"): every_time,
        (E, "_parse"): E._parse.__wrapped__,
        (editions, "_shipped_shape"): lambda text: text in editions.shipped_ids(),
    }
    now = {key: getattr(*key) for key in patches}
    before = patches

    def use(chosen: dict) -> None:
        for (owner, name), value in chosen.items():
            setattr(owner, name, value)

    seed = scoring.read_file(ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml")
    work = {"项目支出绩效自评表（池州，定量与定性行）": (scoring.PROJECT, docs),
            "部门整体支出绩效自评（深圳社保基金局 2020，附件1）": (seed.kind, [seed.document] * max(1, args.forms // 10))}

    def run(path: str, kind: str, documents: list) -> tuple[float, list]:
        use(before if path == "before" else now)
        try:
            t = time.process_time()
            out = [scoring.score_document(kind, d, source="case.yaml").record for d in documents]
            return (time.process_time() - t) / len(documents) * 1000, out
        finally:
            use(now)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.rounds} 轮，两种做法交替；负载 {load:.1f}；每张 CPU 毫秒（中位数）")
    for name, (kind, documents) in work.items():
        run("now", kind, documents[:5]), run("before", kind, documents[:5])  # warm: editions read, trees built
        times: dict[str, list[float]] = {"before": [], "now": []}
        for _ in range(args.rounds):
            for path in ("before", "now"):
                ms, records = run(path, kind, documents)
                times[path].append(ms)
                if path == "before":
                    want = records
                elif records != want:
                    sys.exit(f"{name}：两种做法的评分记录不一致，这是程序缺陷，请报告")
        b, n = statistics.median(times["before"]), statistics.median(times["now"])
        print(f"{name}，{len(documents)} 张：基线（逐节点遍历、逐次重建）{b:7.2f}；现在（编译、复用）{n:7.2f}；"
              f"{b / n:.2f}× 基线")


if __name__ == "__main__":
    main()
