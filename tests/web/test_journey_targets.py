"""The 绩效目标 cycle in a real browser (Debian's chromium driven by Playwright) against
``jixiao serve --demo``, as tests/web/test_journey.py does for the self-evaluation:

the unit uploads its target form (the XLSX template filled in) and sees the 四性审核; submits; the
主管部门 gives per-item 初审 opinions, grades 中 and returns it; the unit uploads the revised form
and resubmits; the 主管部门 grades 良 and passes it; 财政 grades 良 at 复审 and approves (批复), and
the target is frozen; later the unit requests a change with its reason, uploads the changed form,
and it is approved through the same steps; every version stays readable; the year-end 自评表 opens
prefilled from the approved target. Screenshots go to docs/web/ (targets-*.png).
"""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "chizhou-2022"
SHOTS = ROOT / "docs" / "web"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = "Jixiao-Demo-2026"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium 未安装（apt-get install chromium）")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("demo-targets")
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("JIXIAO_DATABASE_URL", None)
    log = (data / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-c", "from jixiao.cli import main; main()", "serve", "--demo",
                             "--data", str(data / "store"), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("jixiao serve --demo 退出：" + (data / "serve.log").read_text())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise AssertionError("jixiao serve --demo 未在 180 秒内启动")
    yield {"url": url, "data": data}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _login(browser, url: str, user: str):
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = ctx.new_page()
    page.goto(url + "/login/")
    page.get_by_label("用户名").fill(user)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(url + "/")
    return page


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _workbook(folder: Path, name: str, changes: dict[str, str], funds: float | None = None) -> Path:
    """The example target form with some 年度 指标值 changed, written as the XLSX template a unit fills in."""
    from jixiao.intake.target_xlsx import write_workbook
    from jixiao.intake.yamlio import load
    from jixiao.store.scoring import plain

    doc = copy.deepcopy(plain(load(EXAMPLE / "target.yaml").data))
    for row in doc["绩效指标"]:
        if row.get("三级指标") in changes and row.get("期间", "年度") == "年度":
            row["指标值"] = changes[row["三级指标"]]
    if funds is not None:
        doc["资金"]["年度"] = {"资金总额": funds, "财政拨款": funds, "其他资金": 0}
        doc["绩效指标"] = [dict(r, 指标值=f"≤{funds:g}万元") if r.get("三级指标") == "项目总成本" else r
                       for r in doc["绩效指标"]]
    path = folder / name
    write_workbook(doc, path)
    return path


def _move(page, label: str, text: str | None = None) -> None:
    form = page.locator("form", has=page.get_by_role("button", name=label))
    if text is not None:
        form.locator("textarea").fill(text)
    form.get_by_role("button", name=label).click()
    page.wait_for_load_state()


def _grade(page, grade: str, reason: str = "") -> None:
    page.get_by_label("等级（综合评定）", exact=False).select_option(grade)
    if reason:
        page.locator("#grade-reason").fill(reason)
    page.locator("#give-grade").click()
    page.wait_for_selector(f"text=等级“{grade}”")


def _opinion(page, item: str, text: str) -> None:
    page.get_by_label("审核事项（审核类别或指标）").select_option(item)
    page.locator("#op-text").fill(text)
    page.locator("#add-opinion").click()
    page.wait_for_selector(f"text=已记录对“{item}”")


def test_target_journey(server, browser, tmp_path):
    url = server["url"]

    # 1. The unit uploads its target form (the Excel template filled in) and sees the 四性审核.
    unit = _login(browser, url, "danwei")
    unit.get_by_role("link", name="绩效目标").click()
    unit.wait_for_selector("#target-upload")
    with unit.expect_download() as dl:
        unit.get_by_role("link", name="下载 Excel 申报模板").click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    unit.get_by_label("申报表文件（.xlsx、.yaml 或 .json）").set_input_files(str(EXAMPLE / "target.xlsx"))
    unit.locator("#target-upload").click()
    unit.wait_for_selector("#findings")
    findings = unit.locator("#findings").inner_text()
    assert "T_TARGET_LOW" in findings and "T_NOT_QUANTIFIED" in findings
    assert "建议等级 中" in unit.locator("#grade-line").inner_text()
    _shot(unit, "targets-01-uploaded")
    target_url = unit.url
    _move(unit, "送审")
    assert "已送审" in unit.locator("#state").inner_text()

    # 2. The 主管部门 gives per-item opinions at 初审, grades 中 and returns it.
    dept = _login(browser, url, "zhuguan")
    dept.goto(url + "/targets/")
    dept.get_by_role("link", name="委托业务项目").first.click()
    dept.wait_for_selector("#opinion-form")
    _opinion(dept, "适当性", "年度数量目标低于2021年实际完成值56个，请按历史标准提高")
    _opinion(dept, "单项业务成本", "成本指标应量化，请填写单项业务的成本上限")
    _grade(dept, "中", "两处须修改")
    assert "修改后重新报送" in dept.locator("#grade-line").inner_text()
    _shot(dept, "targets-02-first-review")
    _move(dept, "退回单位", "请按初审意见修改后重新报送")
    assert "草稿" in dept.locator("#state").inner_text()

    # 3. The unit reads the opinions beside the indicators, uploads the revised form, resubmits.
    unit.goto(target_url)
    rows = unit.locator("#target-rows").inner_text()
    assert "成本指标应量化" in rows
    assert "年度数量目标低于2021年实际完成值56个" in unit.locator("#opinions-first").inner_text()
    revised = _workbook(tmp_path, "target-v2.xlsx", {"基建工程委托业务项目数量": "≥56个", "单项业务成本": "≤1.8万元"})
    unit.get_by_label("上传修改后的申报表（.xlsx、.yaml 或 .json）").set_input_files(str(revised))
    unit.get_by_label("本次修改说明").fill("按初审意见修改")
    unit.locator("#upload-version").click()
    unit.wait_for_selector("text=已保存为第 3 版")
    assert "T_TARGET_LOW" not in unit.locator("#findings").inner_text()
    _move(unit, "送审")

    # 4. The 主管部门 grades 良 and passes it.
    dept.goto(target_url)
    _grade(dept, "良")
    _move(dept, "初审通过（主管部门审核通过）")
    assert "主管部门已审" in dept.locator("#state").inner_text()

    # 5. 财政: 批复 is refused without a 复审 grade; it grades 良 and approves; the target is frozen.
    fin = _login(browser, url, "caizheng")
    fin.goto(target_url)
    _move(fin, "批复（财政终审通过）")
    fin.wait_for_selector("text=批复前须给出复审等级")
    _opinion(fin, "可行性", "指标值确定依据充分")
    _grade(fin, "良", "指标较完整，细化成本测算后安排预算")
    assert "完善后预算安排" in fin.locator("#grade-line").inner_text()
    _move(fin, "批复（财政终审通过）")
    fin.wait_for_selector("text=已批复，绩效目标已锁定")
    assert "已批复" in fin.locator("#state").inner_text()
    assert fin.locator("#target-grade").inner_text() == "良"
    _shot(fin, "targets-03-approved")
    unit.goto(target_url)
    assert unit.locator("#upload-version").count() == 0  # frozen: no upload, only a change request

    # 6. A change request with its reason goes through the same workflow and is approved.
    reason = "年中追加预算10万元，委托业务数量相应增加"
    unit.get_by_label("调整理由", exact=False).fill(reason)
    unit.locator("#request-change").click()
    unit.wait_for_selector("#pending-change")
    assert reason in unit.locator("#pending-change").inner_text()
    changed = _workbook(tmp_path, "target-v5.xlsx", {"基建工程委托业务项目数量": "≥60个", "单项业务成本": "≤1.8万元"},
                        funds=100)
    unit.get_by_label("上传修改后的申报表（.xlsx、.yaml 或 .json）").set_input_files(str(changed))
    unit.get_by_label("本次修改说明").fill("调整：追加预算")
    unit.locator("#upload-version").click()
    unit.wait_for_selector("text=已保存为第 6 版")
    _move(unit, "送审")
    dept.goto(target_url)
    _grade(dept, "良")
    _move(dept, "初审通过（主管部门审核通过）")
    fin.goto(target_url)
    _grade(fin, "良", "调整理由充分")
    _move(fin, "批复（财政终审通过）")
    fin.wait_for_selector("text=已批复，绩效目标已锁定")
    approvals = fin.locator("#approvals").inner_text()
    assert "调整批复" in approvals and reason in approvals
    _shot(fin, "targets-04-change-approved")

    # 7. Every version stays readable: the first approval's, and what the change altered.
    unit.goto(target_url)
    unit.locator("#versions").get_by_role("link", name="第 6 版").click()
    unit.wait_for_selector("#changes")
    changes = unit.locator("#changes").inner_text()
    assert "≥56个" in changes and "≥60个" in changes and "100" in changes
    unit.goto(target_url)
    unit.locator("#approvals").get_by_role("link", name="第 5 版").click()
    assert "已批复版本" in unit.locator("h1").inner_text() and "≥56个" in unit.locator("#target-rows").inner_text()

    # 8. The year-end 自评表 opens prefilled from the approved (adjusted) target.
    unit.goto(target_url)
    unit.locator("#open-selfeval").click()
    unit.wait_for_selector("#selfeval-form")
    assert unit.locator("#se-head").inner_text().count("委托业务项目") == 1
    assert unit.get_by_label("基建工程委托业务项目数量 年度指标值").input_value() == "≥60个"
    assert unit.get_by_label("年度资金总额 年初预算数").input_value() == "100"
    assert "年度指标值与批复的绩效目标一致" in unit.locator("#drift-none").inner_text()
    _shot(unit, "targets-05-selfeval-prefilled")
    unit.get_by_label("基建工程委托业务项目数量 实际完成值").fill("62")
    unit.get_by_label("基建工程委托业务项目数量 分值").fill("10")
    unit.get_by_label("本年财政拨款 全年执行数").fill("98.5")
    unit.locator("#save-selfeval").click()
    unit.wait_for_selector("text=自评表已保存为第 1 版")
    assert "年度指标值与批复目标一致" in unit.content()

    # The audit log shows the target's steps.
    fin.goto(url + "/audit/?unit=4403RS01")
    log = fin.locator("#audit-table").inner_text()
    for step in ("新建评价", "保存版本", "送审", "退回单位", "主管部门审核通过", "财政终审通过", "评定绩效目标等级",
                 "申请调整绩效目标"):
        assert step in log, step
    for pg in (unit, dept, fin):
        pg.context.close()
