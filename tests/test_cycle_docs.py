"""The cycle's printed documents: the 事前绩效评估报告 and the 绩效目标申报表 in its printed layout.

Each DOCX is read back with python-docx: the edition's sixteen sections in order, every figure the
scores give (each expert's mark, the means, the total, the band, the outcome and its reason, the
veto), the hints under 其他需要说明的问题, and no placeholder anywhere; a sheet without the text a
section needs is refused with nothing written. The target form's table carries the header, the
funds by period, the goals and every indicator row with its 指标值确定依据, in DOCX and XLSX.
One slow test converts both to PDF with LibreOffice and renders a page.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from ruamel.yaml import YAML
from typer.testing import CliRunner

from jixiao.cli import app

ROOT = Path(__file__).resolve().parents[1]
PRE = ROOT / "examples" / "chizhou-2022" / "preassessment.yaml"
TARGET = ROOT / "examples" / "chizhou-2022" / "target.yaml"
DEPT_TARGET = ROOT / "examples" / "shenzhen-sibao-2020" / "target.yaml"
SECTIONS = ["政策或项目名称", "政策或项目绩效目标", "资金构成", "概况", "评估程序", "评估思路", "评估方式、方法",
            "立项必要性", "投入经济性", "绩效目标合理性", "实施方案可行性", "筹资合规性", "总体结论", "评估的相关建议",
            "其他需要说明的问题", "评估人员签名"]
PLACEHOLDERS = ("待填写", "【", "（缺）", "none", "None", "null", "TODO")
runner = CliRunner()


def _load(path: Path) -> dict:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _dump(data: dict, path: Path) -> Path:
    y = YAML(typ="safe", pure=True)
    y.allow_unicode = True
    with path.open("w", encoding="utf-8") as f:
        y.dump(data, f)
    return path


def _report(src: Path, out: Path, fmt: str = "docx,html,md"):
    return runner.invoke(app, ["report", str(src), "-o", str(out), "--format", fmt])


def _paragraphs(docx: Path) -> list[str]:
    return [p.text for p in Document(str(docx)).paragraphs]


def _headings(docx: Path) -> list[str]:
    return [p.text for p in Document(str(docx)).paragraphs if p.style.name == "Heading 1"]


def _tables(docx: Path) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in Document(str(docx)).tables]


def _section(docx: Path, name: str) -> str:
    """The text of one level-1 section (its paragraphs, up to the next heading)."""
    out, inside = [], False
    for p in Document(str(docx)).paragraphs:
        if p.style.name == "Heading 1":
            inside = p.text.endswith(name)
            continue
        if inside:
            out.append(p.text)
    return "\n".join(out)


def _all_text(docx: Path) -> str:
    cells = "\n".join("\n".join("\n".join(r) for r in t) for t in _tables(docx))
    return "\n".join(_paragraphs(docx)) + "\n" + cells


@pytest.fixture(scope="module")
def pre(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pre") / "out"
    result = _report(PRE, out)
    assert result.exit_code == 0, result.output
    assert "委托业务项目：事前绩效评估 82.33 分，良，通过" in result.output
    return out


# --- 事前绩效评估报告 ----------------------------------------------------------------------------------


def test_preassessment_report_has_the_editions_sixteen_sections_in_order(pre):
    heads = _headings(pre / "report.docx")
    numbers = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六"]
    assert heads == [f"{n}、{s}" for n, s in zip(numbers, SECTIONS)]
    assert {p.name for p in pre.iterdir()} == {"report.docx", "report.html", "report.md"}  # no empty chart.png


def test_each_dimension_states_weight_every_experts_mark_the_mean_and_band(pre):
    docx = pre / "report.docx"
    text = _section(docx, "立项必要性")
    assert "本维度满分20分" in text and "重点评估是否符合经济社会发展规划和部门职能" in text
    assert "专家甲18分，专家乙评为“优”（按19分计），专家丙17分；平均18.00分，得分率90.00%，评为“优”" in text
    assert "专家甲14分，专家乙评为“中”（按14分计），专家丙15分；平均14.33分，得分率71.65%，评为“中”" in _section(docx, "绩效目标合理性")
    assert "平均16.67分，得分率83.35%，评为“良”" in _section(docx, "实施方案可行性")


def test_conclusion_gives_total_band_outcome_and_reason_with_the_score_table(pre):
    docx = pre / "report.docx"
    text = _section(docx, "总体结论")
    assert "各维度平均得分合计82.33分（满分100分），综合等级“良”。评估结论：通过。总分82.33分，不低于80分，评估通过" in text
    summary = next(t for t in _tables(docx) if t[0][0] == "评估维度")
    assert summary[0] == ["评估维度", "分值", "专家甲", "专家乙", "专家丙", "平均得分", "等级"]
    assert summary[1] == ["立项必要性", "20", "18.00", "19.00", "17.00", "18.00", "优"]
    assert summary[-1] == ["合计", "100", "83.00", "83.00", "81.00", "82.33", "良"]


def test_sheet_text_fills_its_sections_and_expert_opinions_join_the_advice(pre):
    docx = pre / "report.docx"
    assert "项目申请资金90.00万元。\n资金全部为本级财政拨款" in _section(docx, "资金构成")
    assert "召开专家评审会" in _section(docx, "评估程序")
    advice = _section(docx, "评估的相关建议")
    assert "细化成本指标" in advice and "（1）专家甲：绩效指标偏少，成本指标未细化。" in advice
    method = _section(docx, "评估方式、方法")
    assert "优按95%、良按85%、中按70%、差按30%" in method and "立项必要性或筹资合规性评为“差”的，不论总分，结论为不通过" in method
    people = next(t for t in _tables(docx) if t[0][0] == "序号")
    assert [r[:3] for r in people[1:]] == [["1", "专家甲", ""], ["2", "专家乙", ""], ["3", "专家丙", ""]]
    assert "未发现需要说明的问题" in _section(docx, "其他需要说明的问题")


def test_no_placeholder_in_any_file(pre):
    html = (pre / "report.html").read_text(encoding="utf-8")
    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)  # the stylesheet says `content: none`
    texts = [_all_text(pre / "report.docx"), (pre / "report.md").read_text(encoding="utf-8"), body]
    for text in texts:
        for mark in PLACEHOLDERS:
            assert mark not in text, mark
    assert "委托业务项目事前绩效评估报告" in texts[2] and "national-preassessment/2018" in texts[2]


def test_veto_and_hints_are_written_where_they_belong(tmp_path):
    data = _load(PRE)
    data["专家"] = [{**e, "立项必要性": "差"} for e in data["专家"][:2]]  # two experts, both 差 on a veto dimension
    out = tmp_path / "out"
    result = _report(_dump(data, tmp_path / "veto.yaml"), out, "docx")
    assert result.exit_code == 0, result.output
    docx = out / "report.docx"
    assert "评为“差”（按6分计）" in _section(docx, "立项必要性")
    assert "按评估规则，立项必要性评为“差”的，评估不通过" in _section(docx, "立项必要性")
    conclusion = _section(docx, "总体结论")
    assert "评估结论：不通过。立项必要性评为“差”，按评估规则，不论总分，评估结论为不通过" in conclusion
    other = _section(docx, "其他需要说明的问题")
    assert "（1）评估专家 2 人，少于 3 人。" in other and "未发现" not in other


def test_experts_far_apart_is_said_in_the_dimension_and_under_other_questions(tmp_path):
    data = _load(PRE)
    data["专家"][0]["投入经济性"] = 20
    data["专家"][2]["投入经济性"] = 12
    out = tmp_path / "out"
    assert _report(_dump(data, tmp_path / "apart.yaml"), out, "docx").exit_code == 0
    assert "专家评分相差 8 分，超过该维度权重的30%，建议复议" in _section(out / "report.docx", "投入经济性")
    assert "（1）投入经济性：专家评分相差 8 分" in _section(out / "report.docx", "其他需要说明的问题")


def test_a_section_without_text_is_refused_naming_it_and_nothing_is_written(tmp_path):
    data = _load(PRE)
    del data["报告"]["概况"], data["报告"]["评估的相关建议"]
    for e in data["专家"]:
        e.pop("意见", None)
    out = tmp_path / "out"
    result = _report(_dump(data, tmp_path / "gap.yaml"), out, "docx")
    assert result.exit_code == 2
    assert "报告的“概况”一节没有内容：请在评分表的 报告.概况 中填写" in result.output
    assert "报告.评估的相关建议" in result.output and "E-REPORT-MISSING" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_an_unknown_report_section_is_refused_with_its_line(tmp_path):
    data = _load(PRE)
    data["报告"]["概述"] = "拼错的章节名"
    result = _report(_dump(data, tmp_path / "typo.yaml"), tmp_path / "out", "docx")
    assert result.exit_code == 2
    assert "报告中的“概述”不是报告章节" in result.output and "typo.yaml:" in result.output


def test_experts_title_and_employer_fill_the_signature_table(tmp_path):
    data = _load(PRE)
    data["专家"][0].update({"职称": "高级工程师", "工作单位": "池州市某工程咨询公司"})
    out = tmp_path / "out"
    assert _report(_dump(data, tmp_path / "who.yaml"), out, "docx").exit_code == 0
    people = next(t for t in _tables(out / "report.docx") if t[0][0] == "序号")
    assert people[1][:4] == ["1", "专家甲", "高级工程师", "池州市某工程咨询公司"] and people[2][2] == ""


def test_short_section_names_are_accepted(tmp_path):
    data = _load(PRE)
    data["报告"]["其他问题"] = "项目单位已按专家意见修改申报材料。"
    data["报告"]["绩效目标"] = data["报告"].pop("政策或项目绩效目标")
    out = tmp_path / "out"
    assert _report(_dump(data, tmp_path / "short.yaml"), out, "docx").exit_code == 0
    assert _section(out / "report.docx", "其他需要说明的问题") == "项目单位已按专家意见修改申报材料。"


# --- 绩效目标申报表 ----------------------------------------------------------------------------------


def test_project_target_form_printed_layout(tmp_path):
    out = tmp_path / "t"
    result = _report(TARGET, out, "docx,xlsx")
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"target.docx", "target.xlsx"}
    docx = out / "target.docx"
    paras = _paragraphs(docx)
    assert paras[:2] == ["项目支出绩效目标申报表", "（2022年度）"]
    assert paras[2] == "填报单位（盖章）：池州市贵池区棠溪镇人民政府\t金额单位：万元"
    grid = _tables(docx)[0]
    assert grid[0][:2] == ["项目名称", "委托业务项目"]
    assert grid[1][:4] == ["主管部门及代码", "219-池州市贵池区棠溪镇人民政府", "219-池州市贵池区棠溪镇人民政府", "实施单位"]
    assert grid[3] == ["项目资金（万元）", "中期资金总额", "中期资金总额", "270.00", "年度资金总额", "90.00"]
    assert grid[4][1] == "其中：财政拨款" and grid[4][3] == "270.00" and grid[4][5] == "90.00"
    assert grid[6][1] == "中期目标（2021—2023年）" and grid[7][4].startswith("本项目共申请预算资金90万元")
    rows = [r for r in grid if r[0] == "年度绩效指标"]
    assert rows[0][1:] == ["一级指标", "二级指标", "三级指标", "指标值", "指标值确定依据"]
    body = [r[1:] for r in rows[1:]]
    assert body[0] == ["产出指标", "数量指标", "基建工程委托业务项目数量", "≥50个", "历史标准"]
    assert ["产出指标", "成本指标", "项目总成本", "≤90万元", "预算支出标准"] in body
    assert body[-1] == ["满意度指标", "服务对象满意度指标", "公众满意度", "≥90%", "计划标准"]
    assert len(body) == 10 and len([r for r in grid if r[0] == "中期绩效指标"]) == 3
    # 一级 cells merged over their rows: the five 产出 rows share one cell
    tbl = Document(str(docx)).tables[0]
    first = [i for i, r in enumerate(grid) if r[0] == "年度绩效指标"][1]
    assert tbl.cell(first, 1)._tc is tbl.cell(first + 5, 1)._tc
    text = _all_text(docx)
    assert not any(mark in text for mark in PLACEHOLDERS)

    ws = openpyxl.load_workbook(out / "target.xlsx").active
    assert ws["A1"].value == "项目支出绩效目标申报表" and ws["A2"].value == "（2022年度）"
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert [None, "产出指标", "数量指标", "基建工程委托业务项目数量", "≥50个", "历史标准"] in values  # label merged above
    assert any(str(m) == "B7:C7" for m in ws.merged_cells.ranges)  # 中期资金总额 over two columns


def test_department_target_form_lists_tasks_with_amounts(tmp_path):
    out = tmp_path / "d"
    assert _report(DEPT_TARGET, out, "docx").exit_code == 0
    paras = _paragraphs(out / "target.docx")
    assert paras[0] == "部门（单位）整体支出绩效目标申报表" and paras[1] == "（2020年度）"
    grid = _tables(out / "target.docx")[0]
    assert grid[0][:2] == ["部门（单位）名称", "深圳市社会保险基金管理局（局本级）"]
    assert grid[3][1:] == ["社保基金征收及偿付", "社保基金征收、待遇偿付及债权申报", "9,000.00", "9,000.00", ""]
    funds = next(r for r in grid if r[0] == "年度资金（万元）")
    assert funds[3:] == ["21,195.00", "21,195.00", "0.00"]
    assert ["年度绩效指标", "产出指标", "数量指标", "办理债权申报案件数量", "380宗", "历史标准"] in grid


def test_target_form_refuses_formats_it_has_not(tmp_path):
    result = _report(TARGET, tmp_path / "x", "html,md")
    assert result.exit_code == 2 and "绩效目标申报表可输出 docx、pdf、xlsx" in result.output
    assert not (tmp_path / "x").exists()


def test_mixed_batch_writes_a_folder_per_file(tmp_path):
    seed = ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml"
    out = tmp_path / "all"
    result = runner.invoke(app, ["report", str(seed), str(PRE), str(TARGET), "-o", str(out), "--format", "docx"])
    assert result.exit_code == 0, result.output
    assert (out / "shenzhen-sibao-2020" / "report.docx").is_file()
    assert (out / "preassessment" / "report.docx").is_file() and (out / "target" / "target.docx").is_file()
    assert "共 3 份报告" in result.output


def test_report_objects_are_pure_drafts():
    from jixiao.reports import cycle_docs, preassess_report
    from jixiao.services.scoring import score_file

    job = cycle_docs.CycleJob.of(score_file(PRE))
    doc = cycle_docs.draft(job)
    assert isinstance(doc, preassess_report.CycleReport) and doc.tables and not doc.attachments
    bare = copy.deepcopy(job.bound)
    bare.narrative = {}
    gaps = preassess_report.missing(job.edition, type(job.result)(**{**job.result.__dict__, "sheet": bare}))
    assert [g.message.split("”")[0].split("“")[1] for g in gaps] == ["政策或项目绩效目标", "概况", "评估程序", "评估思路"]


def test_render_file_writes_one_format_whole(tmp_path):
    from jixiao.reports import cycle_docs
    from jixiao.services.scoring import score_file

    job = cycle_docs.CycleJob.of(score_file(TARGET))
    made = cycle_docs.render_file(job, "xlsx", tmp_path / "x" / "form.xlsx")
    assert made.is_file() and sorted(p.name for p in made.parent.iterdir()) == ["form.xlsx"]
    with pytest.raises(ValueError):
        cycle_docs.render_file(job, "html", tmp_path / "form.html")


# --- PDF ---------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="needs LibreOffice and poppler")
def test_pdfs_are_laid_out_with_numbered_contents(tmp_path):
    from jixiao.reports import office

    out = tmp_path / "pdf"
    result = runner.invoke(app, ["report", str(PRE), str(TARGET), "-o", str(out), "--format", "docx,pdf"])
    assert result.exit_code == 0, result.output
    pages = office.pdf_text(out / "preassessment" / "report.pdf")
    assert pages and "委托业务项目事前绩效评估报告" in pages[0]
    contents = " ".join(pages[1].split())
    assert "十六、评估人员签名" in contents and "目 录" in contents
    body = "".join("".join(p.split()) for p in pages[2:])
    assert "评估结论：通过" in body and "82.33" in body and "待填写" not in body
    # the DOCX's 目录 carries the page numbers LibreOffice found
    toc = ["".join(t.text for t in p._p.xpath(".//w:t")) for p in Document(str(out / "preassessment" / "report.docx")).paragraphs
           if p.style.name.startswith("toc")]
    assert len(toc) == 16 and all(re.search(r"\d$", line) for line in toc), toc
    form = office.pdf_text(out / "target" / "target.pdf")
    assert form and "项目支出绩效目标申报表" in form[0] and "委托业务报告合格率" in form[0]
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(out / "target" / "target.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5000  # a page with a drawn table, not a blank one


def test_a_recorded_conclusion_is_stated_beside_the_computed_one(tmp_path):
    from jixiao.reports import cycle_docs
    from jixiao.services.scoring import score_file

    job = cycle_docs.CycleJob.of(score_file(PRE))
    job.decided = {"结论": "再评估", "理由": "成本测算依据不足"}
    out = cycle_docs.render_file(job, "docx", tmp_path / "r.docx")
    text = _section(out, "总体结论")
    assert "财政部门记录的评估结论为“再评估”，理由：成本测算依据不足（按评分计算的结论为“通过”）。" in text
    job = cycle_docs.CycleJob.of(score_file(PRE))
    job.decided = {"结论": "通过"}
    assert "财政部门记录的评估结论为“通过”。" in _section(cycle_docs.render_file(job, "docx", tmp_path / "s.docx"), "总体结论")
