"""Imports are all or nothing per file; exports read back equal; history and rank from the CLI."""

from __future__ import annotations

import copy
import json
import re
import shutil

import pytest
from tests.store.conftest import FORM, ROOT, SEED
from typer.testing import CliRunner

pytestmark = pytest.mark.django_db(transaction=True)


def counts():
    from jixiao.store.models import AuditEvent, CaseVersion, Edition, Evaluation, Score

    return [m.objects.count() for m in (Evaluation, CaseVersion, Score, Edition, AuditEvent)]


@pytest.fixture
def cli(settings, tmp_path, monkeypatch):
    """The CLI against the test database: ``connect`` is bypassed since Django is already set up."""
    from jixiao.cli import app, db
    from jixiao.store import services

    monkeypatch.setattr(db, "connect", lambda database, data, create=False: None)
    services.create_unit(actor=None, code="4403", name="某主管部门")
    services.create_unit(actor=None, code="440301", name="某单位", parent_code="4403")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


def test_a_failed_import_changes_nothing(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = SEED.read_text(encoding="utf-8")
    bad.write_text(text.replace("year: 2020", "year: 二〇二〇"), encoding="utf-8")
    before = counts()
    r = cli("db", "import", bad, "--unit", "440301")
    assert r.exit_code == 2 and "year" in r.output and "Traceback" not in r.output
    assert counts() == before
    wrong_year = cli("db", "import", SEED, "--unit", "440301", "--year", "2021")
    assert wrong_year.exit_code == 2 and "2021" in wrong_year.output
    assert cli("db", "import", SEED, "--unit", "999").exit_code == 2
    assert counts() == before


def test_a_failed_file_in_a_folder_leaves_the_good_ones(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FORM, folder / "good.yaml")
    (folder / "broken.yaml").write_text("项目名称: [未闭合\n", encoding="utf-8")
    r = cli("db", "import", folder, "--unit", "440301")
    assert r.exit_code == 2
    assert "导入 1 个" in r.output and "失败 1 个" in r.output
    from jixiao.store.models import Evaluation

    assert Evaluation.objects.get().title == "委托业务项目"


def test_export_round_trips_and_reimport_is_unchanged(cli, tmp_path):
    from jixiao.store.models import CaseVersion

    assert cli("db", "import", SEED, FORM, "--unit", "440301").exit_code == 0
    digests = sorted(CaseVersion.objects.values_list("digest", flat=True))
    for year in (2020, 2022):
        r = cli("db", "export", "--unit", "440301", "--year", year, "-o", tmp_path / "out")
        assert r.exit_code == 0, r.output
    files = sorted((tmp_path / "out").iterdir())
    assert len(files) == 2
    r = cli("db", "import", tmp_path / "out", "--unit", "440301")
    assert r.exit_code == 0 and "未变 2 个" in r.output, r.output
    assert sorted(CaseVersion.objects.values_list("digest", flat=True)) == digests
    from jixiao.store import scoring

    for f in files:
        assert scoring.read_file(f).digest in digests


def test_history_shows_years_side_by_side_and_rank_the_distribution(cli, tmp_path):
    later = tmp_path / "2021.yaml"
    text = SEED.read_text(encoding="utf-8").replace("year: 2020", "year: 2021")
    later.write_text(re.sub(r"(实际政府采购金额:.*?)4222\.66", r"\g<1>3000", text), encoding="utf-8")
    assert cli("db", "import", SEED, later, "--unit", "440301").exit_code == 0
    r = cli("db", "history", "440301")
    assert r.exit_code == 0, r.output
    assert "2020" in r.output and "2021" in r.output and "96.77" in r.output and "部门决策" in r.output
    assert re.search(r"[-+]\d+\.\d\d", r.output)
    r = cli("db", "rank", "--year", "2020")
    assert r.exit_code == 0 and "等级分布：优 1 个（100.0%）" in r.output
    assert cli("db", "rank", "--year", "1999").exit_code == 2


def test_users_and_tokens_from_the_cli(cli):
    from jixiao.store import services

    assert cli("user", "add", "alice", "--role", "单位填报", "--unit", "440301").exit_code == 0
    r = cli("user", "add", "bob", "--role", "unit")
    assert r.exit_code == 2 and "必须指定单位" in r.output
    r = cli("user", "token", "alice")
    assert r.exit_code == 0
    token = r.stdout.strip().splitlines()[0]
    assert services.user_for_token(token).username == "alice"
    assert cli("user", "token", "nobody").exit_code == 2


def test_bulk_import_over_the_api(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = SimpleUploadedFile("项目/form.yaml", FORM.read_bytes())
    bad = SimpleUploadedFile("bad.yaml", b"\xff\xfe not yaml at all: [")
    c = world.client("unit_a")
    r = c.post("/api/v1/evaluations/import", {"unit": "440101", "files": [good, bad]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["imported"] == 1 and body["failed"] == 1
    assert body["results"][0]["file"] == "form.yaml" and body["results"][1]["problems"]
    assert world.client("unit_b").post("/api/v1/evaluations/import", {
        "unit": "440101", "files": [SimpleUploadedFile("f.yaml", FORM.read_bytes())]}).status_code == 404
    assert ROOT.is_dir()


def test_upload_a_workbook_as_a_new_version(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    xlsx = ROOT / "examples" / "shenzhen-sibao-2020" / "case.xlsx"
    r = world.client("unit_a").post(f"/api/v1/evaluations/{world.ev_a.id}/upload",
                                    {"base_version": 1, "file": SimpleUploadedFile("case.xlsx", xlsx.read_bytes())})
    assert r.status_code in (200, 201), r.content
    doc = copy.deepcopy(world.ev_a.versions.get(number=1).facts)
    assert json.dumps(doc, ensure_ascii=False)


def a_folder_of_forms(folder, n: int, broken_at: int):
    """``n`` variants of the example form (each its own project), one of them unreadable."""
    from ruamel.yaml import YAML

    yaml = YAML()
    base = yaml.load(FORM.read_text(encoding="utf-8"))
    folder.mkdir()
    for i in range(n):
        path = folder / f"form{i:03d}.yaml"
        if i == broken_at:
            path.write_text("项目名称: [未闭合\n", encoding="utf-8")
            continue
        doc = copy.deepcopy(base)
        doc["项目名称"] = f"项目{i:03d}"
        for row in doc["绩效指标"]:
            if isinstance(row.get("实际完成值"), (int, float)):
                row["实际完成值"] = round(row["实际完成值"] * (0.5 + i / n), 1)
        with path.open("w", encoding="utf-8") as f:
            yaml.dump(doc, f)
    return sorted(folder.iterdir())


def test_files_scored_in_worker_processes_are_the_files_scored_in_one(tmp_path):
    """``--workers``: the same results, in the same order, an input error as an input error."""
    from jixiao.core.errors import InvalidInput
    from jixiao.store import scoring

    paths = a_folder_of_forms(tmp_path / "in", scoring.PARALLEL_FROM + 6, broken_at=33)
    one = list(scoring.read_files(paths, workers=1))
    two = list(scoring.read_files(paths, workers=2))
    assert [p for p, _ in two] == [p for p, _ in one] == [str(p) for p in paths]
    for (_p, a), (_q, b) in zip(one, two):
        if isinstance(a, InvalidInput):
            assert isinstance(b, InvalidInput) and (a.title, a.problems) == (b.title, b.problems)
        else:
            assert (a.record, a.total, a.document) == (b.record, b.total, b.document)
    assert sum(isinstance(x, InvalidInput) for _p, x in two) == 1
    assert len({x.total for _p, x in two if not isinstance(x, InvalidInput)}) > 10  # the forms differ


def test_a_folder_imported_with_two_workers(cli, tmp_path):
    from jixiao.store.models import Evaluation

    folder = tmp_path / "in"
    n = 70
    a_folder_of_forms(folder, n, broken_at=5)
    r = cli("db", "import", folder, "--unit", "440301", "--workers", 2)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert f"导入 {n - 1} 个" in r.output and "失败 1 个" in r.output and "form005.yaml" in r.output
    assert Evaluation.objects.count() == n - 1
    assert cli("db", "import", folder, "--unit", "440301", "--workers", -1).exit_code == 2
