"""Scalar engine benchmark: one project form bound and scored with its full Chinese trace, the way
the store, the web pages and ``jixiao score`` do it, against the way it was done before, measured
in the same run, in alternating rounds.

    python benchmarks/scoring.py [--forms 500] [--rounds 3]

* **baseline** (the engine before 3 December 2026, put back for the round by patching): every
  line walks the framework's trees node by node (:func:`jixiao.core.expr.evaluate`); the trace
  builds the row rule's trees again and walks them again; a shipped edition is found by listing
  every shipped edition;
* **now**: the trees run as compiled functions (:func:`jixiao.core.expr.compile_tree`), the
  trace is handed the score and code already computed, the edition is found by its folder.

The forms are the Chizhou example with its 实际完成值 varied, so every branch of the row rules is
met. Both paths must give the same records; the script checks that before it prints a figure.
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

    from jixiao.core import form as form_module
    from jixiao.core.rules import target as target_module
    from jixiao.intake import editions

    now = {(FormFramework, "compiled"): FormFramework.compiled,
           (form_module.LineEvaluator, "__call__"): form_module.LineEvaluator.__call__,
           (target_module, "built"): target_module.built, (editions, "_shipped_shape"): editions._shipped_shape}

    def walker(self, key, build):  # the same trees, walked node by node on every call
        tree = self._cached("tree:" + key, build)
        return lambda env: E.evaluate(tree, env)

    before = {(FormFramework, "compiled"): walker,
              (form_module.LineEvaluator, "__call__"): lambda self, n: E.evaluate(n, self.env),
              (target_module, "built"): lambda rule, key, build: build(),
              (editions, "_shipped_shape"): lambda text: text in editions.shipped_ids()}

    def use(patches: dict) -> None:
        for (owner, name), value in patches.items():
            setattr(owner, name, value)

    def run(path: str) -> tuple[float, list]:
        use(before if path == "walker" else now)
        t = time.process_time()
        out = [scoring.score_document(scoring.PROJECT, d, source="form.yaml").record for d in docs]
        return (time.process_time() - t) / len(docs) * 1000, out

    run("compiled"), run("walker")  # warm: editions loaded, trees built
    times: dict[str, list[float]] = {"walker": [], "compiled": []}
    for _ in range(args.rounds):
        for path in ("walker", "compiled"):
            ms, records = run(path)
            times[path].append(ms)
            if path == "walker":
                want = records
            elif records != want:
                sys.exit("两种路径的评分记录不一致：这是程序缺陷，请报告")
    use(now)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    w, c = statistics.median(times["walker"]), statistics.median(times["compiled"])
    print(f"自评表 {args.forms} 张 × {args.rounds} 轮（交替）；负载 {load:.1f}；CPU 毫秒/张（中位数）")
    print(f"基线：逐节点遍历，逐行重建规则树   {w:7.2f}")
    print(f"现在：规则树编译为函数           {c:7.2f}   {w / c:.2f}× 基线")


if __name__ == "__main__":
    main()
