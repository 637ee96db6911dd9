"""Published forms, entered as published (examples/), score as their published totals where those
add up, and raise the findings that say why where they do not — in `jixiao score` and in the batch.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from jixiao.cli import app

ROOT = Path(__file__).resolve().parent.parent
QINGSHEN = ROOT / "examples" / "qingshen-2023" / "form.yaml"
runner = CliRunner()


def test_qingshen_form_scores_only_what_its_figures_give():
    result = runner.invoke(app, ["score", str(QINGSHEN), "--format", "json"])
    assert result.exit_code == 3, result.output
    out = json.loads(result.stdout)
    assert (out["total"], out["status"], out["grade"], out["truncated"]) == (10.0, "incomplete", "", False)
    review = sorted({f["code"] for f in out["findings"] if f["review"]})
    assert review == ["BUDGET_CHANGE_NO_REASON", "NOT_SCORABLE"]
    assert [w["code"] for w in out["warnings"]] == ["W-IN-FORM-ACTUAL", "W-IN-FORM-ACTUAL"]
    assert [ln["code"] for ln in out["lines"]] == ["EXEC_MET", "MISSING:实际完成值", "MISSING:实际完成值"]


def test_qingshen_form_in_the_batch_gets_the_same_findings(tmp_path: Path):
    table = tmp_path / "forms.parquet"
    assert runner.invoke(app, ["batch", "import", str(QINGSHEN), "-o", str(table)]).exit_code == 0
    results = tmp_path / "results"
    scored = runner.invoke(app, ["batch", "score", str(table), "-o", str(results), "--framework", "sichuan-project/2023"])
    assert scored.exit_code == 0, scored.output
    form = pl.read_parquet(results / "forms.parquet").row(0, named=True)
    assert (form["重算总分"], form["状态"], form["复核原因"]) == (10.0, "incomplete", "NOT_SCORABLE,BUDGET_CHANGE_NO_REASON")
