"""The cycle's forms go through the one entry point (services.read / bind / score) and give what the
cycle's own path gives (``jixiao score`` on a target, monitoring or 事前评估 file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jixiao.core.errors import InvalidInput
from jixiao.services import scoring

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _own_path(kind: str, path: Path) -> dict:
    """The cycle's own reading and scoring, as jixiao.cli.cycle does it."""
    from jixiao.intake.cycle import fingerprint

    if kind == "target":
        from jixiao.core.cycle.target import review
        from jixiao.intake.target import read_target

        form, ed, history, _ = read_target(path)
        return review(ed, form, history, fingerprint(ed)).to_json()
    if kind == "monitoring":
        from jixiao.core.cycle.monitoring import monitor
        from jixiao.intake.monitoring import read_monitoring

        mform, med, _ = read_monitoring(path)
        return monitor(med, mform, fingerprint(med)).to_json()
    from jixiao.core.cycle.preassess import assess
    from jixiao.intake.preassess import read_preassessment

    sheet, ped, _ = read_preassessment(path)
    return assess(ped, sheet, fingerprint(ped)).to_json()


@pytest.mark.parametrize("kind, name", [
    ("target", "chizhou-2022/target.yaml"), ("target", "chizhou-2022/target.xlsx"),
    ("target", "shenzhen-sibao-2020/target.yaml"), ("target", "shenzhen-sibao-2020/target.xlsx"),
    ("monitoring", "chizhou-2022/monitoring.yaml"), ("preassessment", "chizhou-2022/preassessment.yaml"),
    ("preassessment", "chizhou-2022/preassessment.xlsx"),
])
def test_a_cycle_form_scores_through_the_services_as_on_its_own_path(kind: str, name: str):
    path = EXAMPLES / name
    scored = scoring.score_file(path)
    assert scored.kind == kind
    assert scored.result.fingerprint == scored.edition.hash
    got = json.loads(json.dumps(scored.result.to_json(), ensure_ascii=False, default=str))
    want = json.loads(json.dumps(_own_path(kind, path), ensure_ascii=False, default=str))
    assert got == want


def test_a_target_form_in_json_is_read_by_the_json_reader(tmp_path: Path):
    from jixiao.intake.yamlio import load

    data = load(EXAMPLES / "chizhou-2022" / "target.yaml").data
    path = tmp_path / "target.json"
    path.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    got = scoring.score_file(path)
    want = scoring.score_file(EXAMPLES / "chizhou-2022" / "target.yaml")
    assert [(f["code"], f["message"]) for f in got.result.to_json()["findings"]] == \
        [(f["code"], f["message"]) for f in want.result.to_json()["findings"]]
    # The places are the JSON's field paths (绩效指标[8]), not the YAML's lines.
    placed = [f.where for f in got.result.findings if f.indicator and f.where]
    assert placed and all(":绩效指标[" in w for w in placed), placed


def test_a_bad_cycle_form_is_refused_with_its_kinds_title_and_every_problem(tmp_path: Path):
    text = (EXAMPLES / "chizhou-2022" / "monitoring.yaml").read_text(encoding="utf-8")
    path = tmp_path / "monitoring.yaml"
    path.write_text(text + "\n不认识: 1\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        scoring.score_file(path)
    assert exc.value.title == "监控表有误"
    assert "E-IN-UNKNOWN-KEY" in [p.code for p in exc.value.problems]


def test_the_result_application_table_has_no_form_to_score():
    from jixiao.intake.editions import load_edition
    from jixiao.intake.yamlio import Located

    edition = load_edition("national-apply/2020")
    with pytest.raises(InvalidInput) as exc:
        scoring.bind(Located({"framework": "national-apply/2020"}, {}, "x.yaml"), edition)
    assert [p.code for p in exc.value.problems] == ["E-IN-KIND"]


@pytest.mark.parametrize("name", ["chizhou-2022/target.yaml", "chizhou-2022/target.xlsx", "chizhou-2022/monitoring.yaml",
                                  "chizhou-2022/preassessment.yaml", "chizhou-2022/preassessment.xlsx"])
def test_jixiao_score_prints_the_services_record_for_a_cycle_form(name: str):
    """The CLI reads, binds and scores through the services like every kind: it only prints."""
    from typer.testing import CliRunner

    from jixiao.cli import app

    out = CliRunner().invoke(app, ["score", str(EXAMPLES / name), "--format", "json"])
    assert out.exit_code == 0, out.output
    want = json.loads(json.dumps(scoring.score_file(EXAMPLES / name).result.to_json(), ensure_ascii=False, default=str))
    assert json.loads(out.stdout) == want


def test_the_cli_has_no_content_sniffing_of_its_own():
    import jixiao.cli.cycle as cli_cycle

    assert not hasattr(cli_cycle, "cycle_kind_of")


@pytest.mark.parametrize("name, edition", [("chizhou-2022/target.yaml", "national-target-project/2015"),
                                           ("shenzhen-sibao-2020/target.yaml", "national-target-dept/2015"),
                                           ("chizhou-2022/monitoring.yaml", "national-monitoring/2019"),
                                           ("chizhou-2022/preassessment.yaml", "national-preassessment/2018")])
def test_a_cycle_form_that_names_no_edition_gets_its_printed_headings_edition(tmp_path: Path, name: str, edition: str):
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert f"framework: {edition}\n" in text
    path = tmp_path / Path(name).name
    path.write_text(text.replace(f"framework: {edition}\n", ""), encoding="utf-8")
    scored = scoring.score_file(path)
    assert scored.edition.id == edition
    want = scoring.score_file(EXAMPLES / name).result
    assert [(f.code, f.message) for f in scored.result.findings] == [(f.code, f.message) for f in want.findings]


def test_framework_option_names_the_edition_of_a_cycle_form(tmp_path: Path):
    text = (EXAMPLES / "chizhou-2022" / "monitoring.yaml").read_text(encoding="utf-8")
    path = tmp_path / "monitoring.yaml"
    path.write_text(text.replace("framework: national-monitoring/2019\n", "framework: no-such/1\n"), encoding="utf-8")
    with pytest.raises(InvalidInput):
        scoring.score_file(path)
    assert scoring.score_file(path, "national-monitoring/2019").edition.id == "national-monitoring/2019"
