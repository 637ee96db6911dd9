"""The report for any framework: the edition's outline, the generic report from an indicator tree,
problems as an evaluator writes them, and the narrative checked against the figures.

Every DOCX is read back: no 【待填写】 or （缺） where the data exists, at most six problems, and no
trace syntax (≥ ÷ 属“…”档 （none）) in 存在问题 or 改进措施.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.core.engine import evaluate
from jixiao.intake.case import load_case
from jixiao.reports import compose
from jixiao.reports.edition_outline import GENERIC, load_outline, outline_for
from jixiao.reports.findings import wording

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "shenzhen-sibao-2020" / "case.yaml"
runner = CliRunner()
TRACE = ("≥", "≤", "÷", "属“", "（none）", "none）", "＝", " = ")

# A framework written only for this test: three levels, names the seed never uses, every rule kind
# whose sentence the generic report writes.
FRAMEWORK = """
id: test-only/2025
name: 测试专用部门整体支出绩效评价指标体系
edition: "2025"
levels: 3
facts:
  核定床位数: {type: count, unit: 张, label: 核定床位数}
  实际开放床位数: {type: count, unit: 张, label: 实际开放床位数}
  维修经费预算数: {type: money, unit: 万元, label: 维修经费预算数}
  维修经费支出数: {type: money, unit: 万元, label: 维修经费支出数}
  耗材超支率: {type: rate, label: 耗材超支率}
  出诊档案完整: {type: judgement, label: 出诊档案完整}
  值班制度落实: {type: judgement, label: 值班制度落实}
  延误出诊次数: {type: count, unit: 次, label: 延误出诊次数}
  患者满意率: {type: rate, label: 患者满意率}
  专家评分: {type: score, label: 专家评分}
indicators:
  - name: 资源保障
    weight: 40
    children:
      - name: 床位配置
        weight: 20
        children:
          - name: 床位开放率
            weight: 10
            rule: {kind: rate, label: 床位开放率, numerator: 实际开放床位数, denominator: 核定床位数, points: 10}
          - name: 维修经费使用率
            weight: 10
            rule: {kind: rate, label: 维修经费使用率, numerator: 维修经费支出数, denominator: 维修经费预算数, points: 10}
      - name: 耗材控制
        weight: 20
        children:
          - name: 耗材超支控制
            weight: 20
            rule: {kind: deduct_over, label: 耗材超支率, value: 耗材超支率, threshold: 0.05, per: 0.01, deduct: 2, points: 20}
  - name: 诊疗服务
    weight: 60
    children:
      - name: 出诊规范
        weight: 30
        children:
          - name: 出诊管理
            weight: 20
            rule:
              kind: checklist
              items:
                - {says: 出诊档案完整, points: 10, fact: 出诊档案完整}
                - {says: 值班制度落实, points: 10, fact: 值班制度落实}
          - name: 出诊及时性
            weight: 10
            rule: {kind: deduct_per, label: 延误出诊, count: 延误出诊次数, each: 2, points: 10, unit: 次}
      - name: 服务评价
        weight: 30
        children:
          - name: 患者满意度
            weight: 15
            rule:
              kind: tiers
              label: 患者满意率
              value: 患者满意率
              bands:
                - {at_least: 0.95, points: 15}
                - {at_least: 0.85, below: 0.95, points: 10}
                - {below: 0.85, points: 5}
          - name: 专家评价
            weight: 15
            rule: {kind: expert, label: 专家评分, fact: 专家评分, points: 15}
"""

CASE = """
subject: 测试市急救中心
year: 2025
framework: framework.yaml
facts:
  核定床位数: 200
  实际开放床位数: 150
  维修经费预算数: 80万元
  维修经费支出数: 80万元
  耗材超支率: 12%
  出诊档案完整: {met: true, evidence: 档案齐全}
  值班制度落实: {met: false, evidence: 夜间值班记录缺失}
  延误出诊次数: 2
  患者满意率: 78%
  专家评分: {score: 12, justification: 部分目标未实现}
narrative:
  主要职能: 负责全市院前急救。
  重点工作任务: 提升急救反应速度。
  患者满意度: 患者对服务满意度较高。
"""


def body(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def heading(paras: list[str], ends: str) -> str:
    """The last paragraph ending with ``ends`` (the heading, not its 目录 entry)."""
    return [p for p in paras if p.endswith(ends) and len(p) < 30][-1]


def between(paras: list[str], start: str, end: str | None) -> list[str]:
    start, end = heading(paras, start), heading(paras, end) if end else None
    i = len(paras) - 1 - paras[::-1].index(start)
    j = paras.index(end, i) if end else len(paras)
    return paras[i:j]


def assert_filed(paras: list[str], start: str, middle: str, end: str) -> list[str]:
    """No gap where data exists, ≤ 6 problems, no trace syntax in 存在问题 and 改进措施."""
    text = "\n".join(paras)
    assert "（缺）" not in text and "（无法计算）" not in text
    problems = between(paras, start, middle)
    measures = between(paras, middle, end)
    for chunk in (problems, measures):
        for p in chunk:
            for t in TRACE:
                assert t not in p, (t, p)
    titles = [p for p in problems[1:] if re.match(r"^(（\d+）|\d+\. )", p) and len(p) < 40]
    assert 1 <= len(titles) <= 6, titles
    return titles


@pytest.fixture
def generic_out(tmp_path):
    (tmp_path / "framework.yaml").write_text(FRAMEWORK, encoding="utf-8")
    (tmp_path / "case.yaml").write_text(CASE, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", str(tmp_path / "case.yaml"), "-o", str(out), "--format", "docx,md"])
    assert result.exit_code == 0, result.output
    return out, result


def test_a_framework_without_outline_gets_its_own_tree_as_chapter_two(generic_out):
    out, _ = generic_out
    doc = Document(str(out / "report.docx"))
    paras = body(doc)
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == ["一、基本情况", "二、绩效分析", "三、问题与措施", "四、评价结论"]
    chapter = between(paras, "二、绩效分析", "三、问题与措施")
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2" and p.text in chapter]
    h3 = [p.text for p in doc.paragraphs if p.style.name == "Heading 3" and p.text in chapter]
    assert h2 == ["（一）资源保障", "（二）诊疗服务"]
    assert h3 == ["1. 床位配置", "2. 耗材控制", "1. 出诊规范", "2. 服务评价"]
    text = "\n".join(chapter)
    # Each leaf's sentence from its rule kind and the facts this framework declares.
    assert "（1）床位开放率。2025年度，核定床位数200张，实际开放床位数150张，床位开放率为75.00%。该指标得7.5分（参考分值10分）。" in chapter
    assert "耗材超支率为12.00%，超过5%的控制标准" in text
    assert "经评价，“出诊档案完整”达到要求，“值班制度落实”未达到要求" in text
    assert "延误出诊2次" in text and "患者满意率为78.00%" in text and "专家评分为12分（满分15分）" in text
    # Nothing from the Shenzhen report: no sentence about a fact this framework does not declare.
    whole = "\n".join(paras)
    for shenzhen in ("政府采购", "资金调整率", "序时进度", "信访", "三公", "【待填写"):
        assert shenzhen not in whole, shenzhen


def test_generic_problems_are_themes_in_prose_worded_by_direction(generic_out):
    out, _ = generic_out
    paras = body(Document(str(out / "report.docx")))
    titles = assert_filed(paras, "存在问题", "改进措施", "评价结论")
    assert "1. 耗材超支率偏高" in titles  # too high: 偏高
    assert any("床位开放率有待提高" in t or "有待" in t for t in titles)
    problems = "\n".join(between(paras, "存在问题", "改进措施"))
    assert "耗材超支率为12.00%，超过5%的控制标准7个百分点" in problems
    assert "患者满意率为78.00%，低于95%的满分标准" in problems


def test_narrative_contradicted_by_a_figure_is_warned_and_on_the_review_page(generic_out):
    out, result = generic_out
    assert "满意度较高" in result.output and "患者满意率为78.00%" in result.output
    paras = body(Document(str(out / "report.docx")))
    i = paras.index("审阅提示（提交前请删除本页）")
    assert any("满意度较高" in p and "78.00%" in p for p in paras[i:])


LOW = {
    "日常公用经费决算数: {value: 396.29": "日常公用经费决算数: {value: 508.23",
    "三公经费实际支出数: {value: 7.48": "三公经费实际支出数: {value: 12.00",
    "level: 满意度≥95%": "level: 满意度<80%",
    "信访及时办理回复数: {value: 20741": "信访及时办理回复数: {value: 19000",
    "预算编制不符合项数:\n    value: 0": "预算编制不符合项数:\n    value: 3",
    "未完成重点工作数: {value: 0": "未完成重点工作数: {value: 1",
    "按时完成项目数: {value: 38": "按时完成项目数: {value: 30",
    "一季度预算执行率: {value: 292.77%": "一季度预算执行率: {value: 60.00%",
    "二季度预算执行率: {value: 147.91%": "二季度预算执行率: {value: 70.00%",
    "三季度预算执行率: {value: 129.41%": "三季度预算执行率: {value: 80.00%",
    "管理制度执行: {met: true": "管理制度执行: {met: false",
    "score: 25": "score: 18",
    "含效益指标: {met: true": "含效益指标: {met: false",
    "项目监管": "项目监管",
}


def low_seed(tmp_path: Path) -> Path:
    text = SEED.read_text(encoding="utf-8")
    for old, new in LOW.items():
        assert old in text, old
        text = text.replace(old, new)
    text = re.sub(r"\nstated:\n(  .*\n)+", "\n", text)  # the seed's stated rates no longer hold
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_low_scoring_seed_gets_a_few_themes_in_prose(tmp_path):
    path = low_seed(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", str(path), "-o", str(out), "--format", "docx"])
    assert result.exit_code == 0, result.output
    case, fw = load_case(path)
    assert evaluate(fw, case).total < 70
    paras = body(Document(str(out / "report.docx")))
    assert not any("【待填写" in p for p in paras)  # the seed's narrative fills every section
    titles = assert_filed(paras, "存在问题", "改进措施", "后续工作计划、相关建议等")
    problems = "\n".join(between(paras, "存在问题", "改进措施"))
    assert "预算执行进度偏慢" in problems  # behind schedule now: a pace problem, and it says so
    assert "资金调整率偏高" in problems and "资金调整率亟待提高" not in problems
    assert "日常公用经费控制率为101.00%" in problems
    # The narrative's “控制率较好” and “满意度较高” are contradicted by the figures: warned, reviewed.
    assert "控制率较好" in result.output and "日常公用经费控制率为101.00%" in result.output
    assert "满意度较高" in result.output
    review = paras[paras.index("审阅提示（提交前请删除本页）"):]
    assert any("满意度较高" in p for p in review) and any("控制率较好" in p for p in review)
    assert len(titles) <= 6


def test_the_seed_itself_has_no_review_page_and_no_pace_problem(tmp_path):
    case, fw = load_case(SEED)
    _, _, items, review = compose.compose(fw, case, evaluate(fw, case))
    assert review == []
    assert [i.theme for i in items] == ["绩效目标管理", "内部管理", "预算编制与调整", "预算执行与采购", "履职效果"]
    assert not any("进度" in i.title for i in items)


def test_outline_is_loaded_from_the_edition_folder_or_from_data(tmp_path):
    shenzhen = outline_for(load_case(SEED)[1])
    assert not shenzhen.generic and "政府采购执行情况" in shenzhen.sentences
    assert load_outline(tmp_path) is GENERIC  # a folder without outline.yaml
    plan = load_outline({"sentences": {"床位开放率": "床位{{ m.床位开放率 }}。"}, "themes": {"床位开放率": "内部管理"}})
    assert plan.generic and plan.themes == {"床位开放率": "内部管理"}
    (tmp_path / "outline.yaml").write_text("template: |\n  # 只有一章\n  ::attachments\n", encoding="utf-8")
    assert load_outline(tmp_path).template.startswith("# 只有一章")
    with pytest.raises(Exception) as err:
        load_outline({"templat": "x"})
    assert "不认识的键" in str(err.value)


def test_an_outline_sentence_and_theme_are_used_for_a_generic_edition(tmp_path):
    (tmp_path / "framework.yaml").write_text(FRAMEWORK, encoding="utf-8")
    (tmp_path / "case.yaml").write_text(CASE, encoding="utf-8")
    case, fw = load_case(tmp_path / "case.yaml")
    plan = load_outline({"sentences": {"床位开放率": "{{ year }}年度床位开放率为{{ m.床位开放率 }}，开放不足。"},
                         "themes": {"床位开放率": "履职效果"}})
    doc, _, items, _ = compose.compose(fw, case, evaluate(fw, case), plan)
    paras = [b.plain for b in doc.blocks if hasattr(b, "plain")]
    assert "（1）床位开放率。2025年度床位开放率为75.00%，开放不足。该指标得7.5分（参考分值10分）。" in paras
    bed = next(i for i in items if "床位开放率" in i.names)
    assert bed.theme == "履职效果" and "开放不足" in bed.finding


def test_small_losses_stay_in_the_deduction_list_only():
    assert wording()["small_loss"] > 0.015  # the seed's pace loss
    case, fw = load_case(SEED)
    _, _, items, _ = compose.compose(fw, case, evaluate(fw, case))
    assert all("预算执行率" not in i.names for i in items)


def test_a_missing_figure_is_refused_before_drafting(tmp_path):
    (tmp_path / "framework.yaml").write_text(FRAMEWORK, encoding="utf-8")
    (tmp_path / "case.yaml").write_text(CASE, encoding="utf-8")
    case, fw = load_case(tmp_path / "case.yaml")
    plan = load_outline({"template": "# 章\n\n{{ f.不存在的事实 }}\n\n::attachments\n"})
    with pytest.raises(Exception) as err:
        compose.compose(fw, case, evaluate(fw, case), plan)
    assert "E-REPORT-MISSING" in str(err.value.problems[0].code)


NATIONAL = ROOT / "examples" / "national-dept-2013" / "case.yaml"

NATIONAL_LOW = {
    "在职人员数: {value: 116": "在职人员数: {value: 126",
    "本年度三公经费预算数: {value: 38.60": "本年度三公经费预算数: {value: 45.32",
    "预算完成数: {value: 17215.30": "预算完成数: {value: 12400.00",
    "预算调整数: {value: 2240.00": "预算调整数: {value: 4100.00",
    "实际支付进度: {value: 92.31%": "实际支付进度: {value: 66.50%",
    "结转结余总额: {value: 1434.70": "结转结余总额: {value: 6250.00",
    "公用经费实际支出数: {value: 588.45": "公用经费实际支出数: {value: 640.00",
    "实际政府采购金额: {value: 2871.40": "实际政府采购金额: {value: 1520.00",
    "预算管理制度执行: {met: true": "预算管理制度执行: {met: false",
    "资产账务合规: {met: true": "资产账务合规: {met: false",
    "及时完成工作数: {value: 11": "及时完成工作数: {value: 7",
    "质量达标工作数: {value: 12": "质量达标工作数: {value: 9",
    "重点工作完成数: {value: 6": "重点工作完成数: {value: 4",
    "score: 5.5": "score: 3",
    "score: 7.5": "score: 4",
    "满意度: {value: 91.20%": "满意度: {value: 72.40%",
    "服务对象对我局履职总体满意。": "服务对象满意度较高。",
}


def national_low(tmp_path: Path) -> Path:
    text = NATIONAL.read_text(encoding="utf-8")
    for old, new in NATIONAL_LOW.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "national-low.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("which", ["example", "low"])
def test_the_national_2013_edition_reads_back_as_a_filed_report(tmp_path, which):
    path = NATIONAL if which == "example" else national_low(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", str(path), "-o", str(out), "--format", "docx"])
    assert result.exit_code == 0, result.output
    case, fw = load_case(path)
    total = evaluate(fw, case).total
    assert (total > 90) if which == "example" else (total < 70)
    doc = Document(str(out / "report.docx"))
    paras = body(doc)
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert ["（一）投入", "（二）过程", "（三）产出", "（四）效果"] == [h for h in h2 if h[3:] in ("投入", "过程", "产出", "效果")]
    assert not any("【待填写" in p for p in paras)  # the example's narrative gives every section
    titles = assert_filed(paras, "存在问题", "改进措施", "后续工作计划、相关建议等")
    text = "\n".join(paras)
    assert "预算调整率为" in text and "“三公经费”变动率为" in text and "““" not in text
    if which == "low":
        problems = "\n".join(between(paras, "存在问题", "改进措施"))
        for said in ("预算调整率偏高", "结转结余率偏高", "在职人员控制率偏高", "“三公经费”变动率偏高",
                     "满意度偏低", "预算完成率有待提高"):
            assert said in problems, said
        assert "满意度较高" in result.output and any("满意度较高" in p for p in paras)
        themes = [i.theme for i in compose.compose(fw, case, evaluate(fw, case))[2]]
        assert len(themes) == len(set(themes)) and "预算编制与调整" in themes
        assert len(titles) <= 6


def test_the_trace_states_only_what_holds_and_quotes_never_double(tmp_path):
    """The reviewer's list: “未达到，扣 1 分（19,000 ≥ 20,741）” was false; “属““三公”经费…” doubled."""
    case, fw = load_case(low_seed(tmp_path))
    ev = evaluate(fw, case)
    visits = ev["群众信访办理情况"].trace
    assert "19,000 < 20,741" in visits and "19,000 ≥ 20,741" not in visits
    economy = ev["公用经费控制率"].trace
    assert "属“90%≤‘三公’经费控制率≤100%”档" in economy and "““" not in economy


def test_a_narrative_naming_one_late_project_when_more_were_late_is_warned(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    text = text.replace("  计划完成项目数: {value: 39, evidence: 部门预算安排项目共39个}\n", "")
    text = text.replace("  按时完成项目数: {value: 38, evidence: “追缴和案件调查取证费”项目因疫情原因未能按时完成}\n", "")
    text = re.sub(r"\nstated:\n(  .*\n)+", "\n", text)
    text += """
lists:
  项目清单:
    - {名称: 追缴和案件调查取证费, 按时完成: false, 已编报绩效目标: true}
    - {名称: 工伤预防项目验收, 按时完成: false, 已编报绩效目标: true}
    - {名称: 叫号机维护服务, 按时完成: false, 已编报绩效目标: true}
    - {名称: 社保窗口经办人员工作服, 按时完成: true, 已编报绩效目标: false}
"""
    # The seed's own narrative.项目完成及时性 names the one late project it had.
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    case, fw = load_case(path)
    _, _, _, review = compose.compose(fw, case, evaluate(fw, case))
    assert any("只提到1个" in w and "3个项目未按时完成" in w for w in review), review


def test_a_job_may_carry_its_editions_outline(tmp_path):
    """An edition registry hands the outline in; here the seed drafted with the generic outline."""
    from jixiao.reports.build import Job, build

    case, fw = load_case(SEED)
    build([Job(case, fw, outline=GENERIC)], tmp_path / "out", ["md"])
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## 二、绩效分析" in md and "### （一）部门决策" in md and "#### 1. 预算编制" in md
