"""A stored evaluation carries the warnings of the file as the user gave it: the reader's own (a
workbook's formulas read as their saved values) and the binder's (W-IN-*), placed at the file's
lines and cells under the file's name — not at the field paths of the plain document it stores."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from jixiao.intake.yamlio import load

ROOT = Path(__file__).resolve().parents[2]
FORM = ROOT / "examples" / "chizhou-2022" / "form.yaml"
SEED_XLSX = ROOT / "examples" / "shenzhen-sibao-2020" / "case.xlsx"


def _no_operator(tmp_path: Path) -> Path:
    path = tmp_path / "form.yaml"
    path.write_text(FORM.read_text(encoding="utf-8").replace("年度指标值: ≥50个", "年度指标值: 50个"), encoding="utf-8")
    return path


def test_a_project_forms_warnings_are_stored_at_the_files_lines(tmp_path: Path):
    from jixiao.store import scoring

    s = scoring.read_file(_no_operator(tmp_path))
    got = [w for w in s.record["warnings"] if w["code"] == "W-IN-FORM-OP"]
    assert len(got) == 1 and got[0]["severity"] == "warning"
    assert got[0]["place"]["file"] == "form.yaml" and got[0]["place"]["line"] == 34
    assert any("form.yaml:34" in w and "W-IN-FORM-OP" in w for w in s.warnings)
    # The result drafted from the stored score carries them too.
    assert [w.code for w in s.scored.result.warnings] == ["W-IN-FORM-OP"]


def test_a_printed_form_workbooks_warnings_name_its_cells(tmp_path: Path):
    from jixiao.intake.form_xlsx import write_workbook
    from jixiao.store import scoring

    path = tmp_path / "form.xlsx"
    write_workbook(load(_no_operator(tmp_path)).data, path)
    s = scoring.read_file(path)
    got = [w for w in s.record["warnings"] if w["code"] == "W-IN-FORM-OP"]
    assert len(got) == 1 and got[0]["place"]["sheet"] == "自评表" and got[0]["place"]["cell"]


def test_a_case_workbooks_reader_warnings_are_stored(tmp_path: Path):
    """The formula warning comes from the workbook reader, not the binder: the plain case document
    the store keeps has no formulas, so rescoring it alone would lose the warning."""
    from openpyxl import load_workbook

    from jixiao.store import scoring

    src = tmp_path / "seed.xlsx"
    shutil.copy(SEED_XLSX, src)
    wb = load_workbook(src)
    wb["政府采购"]["C5"] = "=C4*0.672479"
    wb.save(src)
    out = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if b"C4*0.672479" in data:
                data = data.replace(b"<f>C4*0.672479</f><v></v>", b"<f>C4*0.672479</f><v>4222.66</v>")
                data = data.replace(b"<f>C4*0.672479</f></c>", b"<f>C4*0.672479</f><v>4222.66</v></c>")
            zout.writestr(item, data)
    s = scoring.read_file(out)
    got = [w for w in s.record["warnings"] if w["code"] == "W-IN-FORMULA"]
    assert len(got) == 1 and (got[0]["place"]["sheet"], got[0]["place"]["cell"]) == ("政府采购", "C5")
    assert any("W-IN-FORMULA" in w for w in s.warnings)
