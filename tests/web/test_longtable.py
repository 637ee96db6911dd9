"""The bulk form page accepts ``jixiao batch``'s long table: each 表单编号 one form, refused or
read by the same reader as the command line, scored by the single-form intake, and giving the same
totals and review codes as the batch engine."""

from __future__ import annotations

import io

import polars as pl
from tests.web.test_views import ROOT, client_for

FORM = ROOT / "examples" / "chizhou-2022" / "form.yaml"




def _long(tmp_path) -> pl.DataFrame:
    """Three forms: the example; a copy with its own name, no 年度 column and one row missed; one
    whose 一级指标 names no level of the edition (the single-form intake refuses that form only)."""
    from typer.testing import CliRunner

    from jixiao.cli import app

    out = tmp_path / "one.parquet"
    r = CliRunner().invoke(app, ["batch", "import", str(FORM), "-o", str(out)])
    assert r.exit_code == 0, r.output
    a = pl.read_parquet(out).with_columns(pl.lit("A").alias("表单编号"))
    b = a.with_columns(pl.lit("B").alias("表单编号"), pl.lit("委托业务项目二").alias("项目名称"),
                       pl.when(pl.col("行号") == 5).then(40.0).otherwise(pl.col("实际完成值")).alias("实际完成值"))
    c = a.with_columns(pl.lit("C").alias("表单编号"), pl.lit("坏表").alias("项目名称"),
                       pl.when(pl.col("行号") == 5).then(pl.lit("不存在的指标")).otherwise(pl.col("一级指标")).alias("一级指标"))
    return pl.concat([a, b, c]).drop("年度")


def _upload(client, name: str, body: bytes, **fields):
    f = io.BytesIO(body)
    f.name = name
    return client.post("/forms/", {"unit": "4403RS04", "forms": [f], **fields})


def test_long_table_upload_imports_each_form_as_the_batch_scores_it(demo, tmp_path):
    from jixiao.batch import scalar
    from jixiao.batch.io import read_batch
    from jixiao.batch.plan import plan_for
    from jixiao.intake.form import load_form_framework
    from jixiao.store.models import Evaluation, Score
    from jixiao.web.models import Job

    df = _long(tmp_path)
    csv = tmp_path / "forms.csv"
    df.write_csv(csv)
    c = client_for("danwei2")
    # no 年度 column and none given: each form says so (never a guessed year)
    r = _upload(c, "forms.csv", csv.read_bytes())
    job = Job.objects.get()
    assert job.state == "done" and job.result["ok"] == 0, job.result
    assert all("年度" in f for f in job.result["failed"]) and len(job.result["failed"]) == 3, job.result["failed"]
    r = _upload(c, "forms.csv", csv.read_bytes(), year="2022", framework="national-project/2020")
    job = Job.objects.latest("created")
    assert job.state == "done" and job.result["ok"] == 2, job.result
    assert len(job.result["failed"]) == 1 and job.result["failed"][0].startswith("forms.csv#C：")
    assert "不存在的指标" in job.result["failed"][0]
    page = c.get(r["Location"]).content.decode()
    assert "成功导入 2 份，1 份未能导入" in page
    # the same totals and review codes as the batch engine gives for this table
    _, forms = scalar.run(plan_for(load_form_framework("national-project/2020")), read_batch(csv).frame)
    want = {row["项目名称"]: row for row in forms.iter_rows(named=True)}
    for title in ("委托业务项目", "委托业务项目二"):
        ev = Evaluation.objects.get(kind="project", unit__code="4403RS04", title=title, year=2022)
        s = Score.objects.get(version__evaluation=ev, version__number=ev.current)
        assert s.total == want[title]["重算总分"], title
        codes = {f["code"] for f in s.record["findings"] if f.get("review")}
        assert codes == set(want[title]["复核原因"].split(",")), (title, codes)
        assert ev.versions.get(number=ev.current).source == f"forms.csv#{'A' if title == '委托业务项目' else 'B'}"
    assert want["委托业务项目二"]["重算总分"] < want["委托业务项目"]["重算总分"]
    # the review list shows them with their codes
    listing = c.get("/forms/?review=1").content.decode()
    assert "委托业务项目二" in listing and "FUND_SUM" in listing


def test_long_table_the_batch_reader_refuses_is_refused_whole(demo, tmp_path):
    from jixiao.store.models import Evaluation
    from jixiao.web.models import Job

    df = _long(tmp_path).with_columns(
        pl.when(pl.col("行号") == 2).then(-5.0).otherwise(pl.col("全年预算数")).alias("全年预算数"))
    path = tmp_path / "bad.parquet"
    df.write_parquet(path)
    before = Evaluation.objects.count()
    _upload(client_for("danwei2"), "bad.parquet", path.read_bytes(), year="2022")
    job = Job.objects.get()
    assert job.result["ok"] == 0 and len(job.result["failed"]) == 1, job.result
    assert job.result["failed"][0].startswith("bad.parquet：") and "负" in job.result["failed"][0]
    assert Evaluation.objects.count() == before
    # a money unit outside the list is refused on the page, before any job
    r = _upload(client_for("danwei2"), "bad.parquet", path.read_bytes(), money_unit="美元")
    assert r.status_code == 302 and Job.objects.count() == 1
