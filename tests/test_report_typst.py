"""The report's PDF laid out by Typst (``--pdf-engine typst``, the default), read back with poppler:
its text, its 目录 against the pages the headings are on, its fonts, its pages; text from a case
that looks like Typst markup; every shipped department case; and a batch in worker processes.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document
from pdf_reading import FREE_FONTS, flat, font_names, pdf_fonts, pdf_pages
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.engine import evaluate
from jixiao.intake.case import load_case, read_case
from jixiao.reports import build, office, outline, typst_writer
from jixiao.reports.edition_outline import outline_of
from jixiao.reports.tables import Cell

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml"
NATIONAL = ROOT / "examples" / "national-dept-2013" / "case.yaml"
# Every character Typst markup gives a meaning to, and a few constructs made of them.
NASTY = r"""#set text(red) #let x = 1 *粗* _斜_ $x^2$ <lbl> @ref [链接] \ `code` ~ -- --- ... // 注释 /* 块 */ = 标题 - 项 + 项 1. 项 'q' "dq" {x} #(1+1) https://a.b/c?d=e&f=g 100% a|b ^ !"""

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                reason="poppler-utils is not installed (make system installs it)")
runner = CliRunner()


def footer_number(page: str) -> str | None:
    m = re.search(r"—\s*(\d+)\s*—\s*$", page.strip())
    return m.group(1) if m else None


@pytest.fixture(scope="module")
def seed_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("typst") / "seed"
    result = runner.invoke(app, ["report", str(SEED), "-o", str(out), "--format", "docx,pdf"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def pages(seed_out):
    return pdf_pages(seed_out / "report.pdf")


def test_the_pdf_holds_the_chapters_the_total_and_every_row_of_attachment_1(seed_out):
    # In reading order: -layout sorts a line's Latin and Chinese glyphs by their heights.
    text = flat("".join(pdf_pages(seed_out / "report.pdf", "-raw")))
    for title in ("一、部门基本情况", "二、部门主要履职绩效分析", "三、总体评价和整改措施", "四、部门整体支出绩效评价指标评分情况",
                  "附件1", "部门整体支出绩效评价指标体系", "一级、二级指标得分情况"):
        assert title in text, title
    assert "本年度整体支出绩效评分为96.77分" in text
    case, fw = load_case(SEED)
    ev = evaluate(fw, case)
    attachment = flat("".join(p for p in pdf_pages(seed_out / "report.pdf", "-raw") if "评分标准" in p))
    for leaf in ev.leaves():
        name = flat(leaf.name)  # a name cell may wrap, never split across pages (rows do not split)
        assert name in attachment, name
        spec = fw.find(leaf.id)
        assert flat(spec.definition)[:12] in attachment, leaf.name
    assert "总分100—100—100——96.77" in attachment  # the 总分 row
    assert "合计10096.77" in text  # the summary table's total row


def test_the_toc_numbers_are_the_pages_the_headings_are_on(seed_out, pages):
    toc = pages[1]
    entries = re.findall(r"^\s*(\S.*?)[\s.]*?(\d+)\s*$", toc, re.MULTILINE)
    entries = [(flat(title).rstrip("."), number) for title, number in entries if not title.startswith("目")]
    assert len(entries) == 15, entries
    by_number = {footer_number(p): flat(p) for p in pages[2:] if footer_number(p)}
    for title, number in entries:
        assert title in by_number[number], (title, number)
        # … and on no earlier page: the number is the heading's own page, not any page naming it.
        earlier = [n for n in by_number if int(n) < int(number) and title in by_number[n] and not title.startswith("附件")]
        assert not earlier, (title, number, earlier)
    # The DOCX's 目录 shows the same numbers until Word updates its fields.
    doc = Document(str(seed_out / "report.docx"))
    docx_entries = [p.text.partition("\t") for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert [(flat(t), n) for t, _, n in docx_entries] == entries


def test_pages_are_numbered_from_the_body_and_the_attachment_is_landscape(seed_out, pages):
    assert footer_number(pages[0]) is None and footer_number(pages[1]) is None  # cover and 目录
    numbers = [footer_number(p) for p in pages[2:] if p.strip()]
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
    assert 25 <= len(numbers) + 2 <= 50  # the LibreOffice PDF has 38 pages
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(seed_out / "report.pdf")], capture_output=True,
                          check=True, text=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    assert sizes[0] == pytest.approx((595.28, 841.89), abs=0.5)  # A4 portrait
    assert sizes[-1] == pytest.approx((841.89, 595.28), abs=0.5)  # 附件1 landscape
    landscape = [p for p, (w, h) in zip(pages, sizes) if w > h]
    # The header rows repeat on every landscape page.
    assert len(landscape) >= 3 and all("评分标准" in p and "参考" in p for p in landscape)


def test_every_font_is_embedded_and_free(seed_out):
    rows, listing = pdf_fonts(seed_out / "report.pdf")
    names = font_names(rows)
    assert names and all(name.startswith(FREE_FONTS) for name in names), names
    assert all(row[-5] == "yes" and row[-4] == "yes" for row in rows), listing  # embedded, subset
    assert any(n.startswith("GBZenKai") for n in names)  # 楷体 headings use a Kai face
    assert any(n.startswith("NotoSansCJK") for n in names)  # 黑体 a sans one


def test_text_that_looks_like_typst_markup_is_printed_as_it_is(tmp_path):
    case, fw = load_case(SEED)
    case = dataclasses.replace(case, narrative={**case.narrative, "主要职能": NASTY})
    report = build.draft(fw, case)
    report.document.blocks.insert(5, outline.Heading(3, NASTY, "1. ", "_Toc9999"))
    report.document.blocks.insert(6, outline.Para([outline.Run(NASTY, bold=True)], lead="（1）"))
    report.summary.body[0][3] = Cell(NASTY + "\n" + NASTY, align="left")
    source = typst_writer.render(report, "chart.png")
    assert "#set text(red)" not in source and "\\#set text\\(red\\)" in source
    typst_writer.write(report, tmp_path / "nasty.pdf")
    text = flat("".join(pdf_pages(tmp_path / "nasty.pdf", "-raw")))
    assert text.count(flat(NASTY)) >= 4, NASTY  # narrative, heading, paragraph, the table cell twice
    assert typst_writer.escape("a\\b") == "a\\\\b" and typst_writer.string('say "x" \\ y') == '"say \\"x\\" \\\\ y"'


@pytest.mark.parametrize("path", [SEED, SEED.with_suffix(".json"), SEED.with_suffix(".xlsx"), NATIONAL],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_department_case_compiles(tmp_path, path):
    case, fw, fw_file = read_case(path)
    from jixiao.intake.editions import load_edition

    report = build.draft(fw, case, plan=outline_of(load_edition(fw_file)))
    typst_writer.write(report, tmp_path / "report.pdf")
    text = flat("".join(pdf_pages(tmp_path / "report.pdf", "-raw")))
    ev = report.evaluation
    assert f"{ev.total:.2f}分" in text and flat(report.document.title) in text
    assert all(flat(h.full) in text for h in report.document.headings(4))


def test_a_framework_without_outline_gets_a_pdf_too(tmp_path):
    from tests.test_report_outline import CASE, FRAMEWORK

    (tmp_path / "framework.yaml").write_text(FRAMEWORK, encoding="utf-8")
    (tmp_path / "case.yaml").write_text(CASE, encoding="utf-8")
    result = runner.invoke(app, ["report", str(tmp_path / "case.yaml"), "-o", str(tmp_path / "out"), "--format", "pdf"])
    assert result.exit_code == 0, result.output
    pages = pdf_pages(tmp_path / "out" / "report.pdf")
    text = flat("".join(pages))
    for name in ("资源保障", "床位配置", "床位开放率", "附件1", "测试专用部门整体支出绩效评价指标体系"):
        assert name in text, name
    assert footer_number(pages[2]) == "1"


def test_the_typst_engine_needs_no_libreoffice(tmp_path, monkeypatch):
    def missing():
        raise office.OfficeError(office.INSTALL_HINT)

    monkeypatch.setattr(build.office, "soffice", missing)
    result = runner.invoke(app, ["report", str(SEED), "-o", str(tmp_path / "t"), "--format", "pdf"])
    assert result.exit_code == 0, result.output
    assert "96.77" in "".join(pdf_pages(tmp_path / "t" / "report.pdf"))
    result = runner.invoke(app, ["report", str(SEED), "-o", str(tmp_path / "lo"), "--format", "pdf",
                                 "--pdf-engine", "libreoffice"])
    assert result.exit_code == 3 and "LibreOffice" in result.output
    assert not (tmp_path / "lo").exists()
    result = runner.invoke(app, ["report", str(SEED), "-o", str(tmp_path / "x"), "--pdf-engine", "word"])
    assert result.exit_code == 2 and "--pdf-engine" in result.output


def test_missing_chinese_fonts_are_named_with_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(typst_writer, "_fonts", None)
    monkeypatch.setattr(typst_writer, "SYSTEM_FONT_DIRS", ())
    monkeypatch.setenv("JIXIAO_FONT_PATHS", str(tmp_path))
    result = runner.invoke(app, ["report", str(SEED), "-o", str(tmp_path / "o"), "--format", "docx,pdf"])
    assert result.exit_code == 3 and "fonts-noto-cjk" in result.output
    assert not (tmp_path / "o").exists()
    monkeypatch.setattr(typst_writer, "_fonts", None)  # found again by the next test


@pytest.mark.slow
def test_a_batch_writes_its_reports_in_worker_processes(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("甲", "乙", "丙", "丁"):
        shutil.copy(SEED, cases / f"{name}.yaml")
    shutil.copy(NATIONAL, cases / "national.yaml")
    out = tmp_path / "out"
    env = {**os.environ, "JIXIAO_OFFICE_WORKERS": "2", "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", "from jixiao.cli import app; app()", "report", "--batch", str(cases),
                           "-o", str(out), "--format", "docx,pdf,xlsx"], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    for name, total in (("甲", "96.77"), ("乙", "96.77"), ("丙", "96.77"), ("丁", "96.77"), ("national", "94.57")):
        assert sorted(p.name for p in (out / name).iterdir()) == ["report.docx", "report.pdf", "scoring.xlsx"]
        assert total in "".join(pdf_pages(out / name / "report.pdf"))
        doc = Document(str(out / name / "report.docx"))
        assert all(p.text.partition("\t")[2].isdigit() for p in doc.paragraphs if p.style.name == "toc 1")
    assert not [p for p in out.rglob("*") if p.name.startswith(".") or p.suffix == ".typ"]


def _children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(proc.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_a_typst_batch_stops_the_workers_and_leaves_nothing(tmp_path, sig):
    proc, out, workers = _start_batch(tmp_path)
    assert len(workers) >= 2
    proc.send_signal(sig)
    assert proc.wait(timeout=120) != 0
    assert sorted(p.name for p in out.iterdir()) == ["report.pdf"]  # no staging folder, no new file
    assert (out / "report.pdf").read_bytes() == b"old pdf"
    time.sleep(0.5)
    assert not [pid for pid in workers if _alive(pid)]


def _start_batch(tmp_path: Path) -> tuple[subprocess.Popen, Path, set[int]]:
    """A batch of eight seed cases in two workers, once the first PDF is being laid out."""
    cases = tmp_path / "cases"
    cases.mkdir()
    for i in range(8):
        shutil.copy(SEED, cases / f"c{i}.yaml")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"old pdf")
    env = {**os.environ, "JIXIAO_OFFICE_WORKERS": "2", "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-c", "from jixiao.cli import app; app()", "report", "--batch", str(cases),
                             "-o", str(out), "--format", "docx,pdf"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        workers.update(_children(proc.pid))
        if any(out.rglob("jixiao-typst-*")):  # a worker is laying out a PDF in the staging folder
            break
        time.sleep(0.05)
    assert proc.poll() is None, "jixiao ended before the first PDF: " + proc.stderr.read().decode()
    workers.update(_children(proc.pid))
    return proc, out, workers


@pytest.mark.slow
def test_a_worker_killed_mid_batch_fails_the_batch_instead_of_hanging(tmp_path):
    proc, out, workers = _start_batch(tmp_path)
    spawned = [pid for pid in workers if b"spawn_main" in (Path("/proc") / str(pid) / "cmdline").read_bytes()]
    assert spawned
    os.kill(spawned[0], signal.SIGKILL)  # as the kernel's OOM killer would
    assert proc.wait(timeout=120) == 3
    assert "子进程意外退出" in proc.stderr.read().decode()
    assert sorted(p.name for p in out.iterdir()) == ["report.pdf"] and (out / "report.pdf").read_bytes() == b"old pdf"
    time.sleep(0.5)
    assert not [pid for pid in workers if _alive(pid)]
