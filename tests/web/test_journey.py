"""The whole review cycle in a real browser (Debian's chromium driven by Playwright) against
``jixiao serve --demo`` — waitress, WhiteNoise, the demo store — exactly as a newcomer starts it.

A unit enters the seed case by hand and by Excel upload and sees 96.77; submits; the 主管部门
returns it with an opinion; the unit fixes and resubmits; the 主管部门 approves; 财政 changes one
judgement with a reason and gives discretionary points on another, and approves; the downloaded report shows both scores; the audit log shows
every step; a unit user typing another unit's address gets 404; the expert scores their part; a
long table goes through the bulk page. Screenshots go to docs/web/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "shenzhen-sibao-2020"
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
    data = tmp_path_factory.mktemp("demo")
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
    printed = (data / "serve.log").read_text()
    assert "danwei" in printed and url in printed  # the accounts and the address are printed at start
    yield {"url": url, "db": data / "store" / "jixiao.sqlite3"}
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
    ctx = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN", accept_downloads=True)
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


def _seed_inputs() -> dict[str, str]:
    """The seed case as the entry form's inputs, name → text (what a person would type or pick)."""
    from jixiao.intake.case import read_document
    from jixiao.intake.framework import load_framework
    from jixiao.web import entry

    fw = load_framework("shenzhen-dept/2020")
    out = {}
    for g in entry.groups(fw, read_document(SEED / "case.yaml").data):
        for f in g.fields:
            out[f"v.{f.name}"] = f.value
            out[f"e.{f.name}"] = f.evidence
            if f.kind == "judgement":
                out[f"p.{f.name}"] = f.points
    return out


def _total(page) -> str:
    return page.locator("#score-panel #total").inner_text().strip()


def test_journey(server, browser):
    url, db = server["url"], server["db"]

    # Every role logs in and lands on its 工作台.
    for user in ("zhuguan", "caizheng", "zhuanjia", "admin"):
        p = _login(browser, url, user)
        assert "工作台" in p.locator("h1").inner_text()
        if user == "admin":
            p.goto(url + "/admin/")
            assert "站点管理" in p.content() or "绩效评价管理" in p.content()
        p.context.close()

    login = browser.new_context(viewport={"width": 1366, "height": 860}).new_page()
    login.goto(url + "/login/")
    _shot(login, "01-login")
    login.context.close()

    # 1. The unit enters the seed case by hand: every field typed or picked; the score follows.
    unit = _login(browser, url, "danwei")
    _shot(unit, "02-home-unit")
    unit.get_by_label("年度").fill("2020")
    unit.get_by_label("指标体系").select_option("shenzhen-dept/2020")
    unit.locator("#new-eval").click()
    unit.wait_for_selector("#entry-form")
    for name, value in _seed_inputs().items():
        box = unit.locator(f'[name="{name}"]')
        if box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(label=value) if value else None
        elif value:
            box.fill(value)
    unit.wait_for_function("document.querySelector('#score-panel #total') && "
                           "document.querySelector('#score-panel #total').textContent.trim() === '96.77'", timeout=30000)
    assert _total(unit) == "96.77"
    _shot(unit, "03-entry-live")
    unit.get_by_label("本次保存说明").fill("按 2020 年度报告逐项填报")
    unit.locator("#save").click()
    unit.wait_for_selector("#state")
    assert "已保存为第 1 版，得分 96.77" in unit.content()

    # 2. …and by Excel upload into the same form (the seed workbook): 96.77 again, saved.
    unit.get_by_role("link", name="填报 / 修改").click()
    unit.get_by_label("用 Excel 工作簿填入本表").set_input_files(str(SEED / "case.xlsx"))
    unit.get_by_role("button", name="读入工作簿").click()
    unit.wait_for_selector("text=已读入工作簿")
    assert _total(unit) == "96.77"
    unit.get_by_label("本次保存说明").fill("用 Excel 工作簿核对")
    unit.locator("#save").click()
    unit.wait_for_selector("#state")
    ev_id = int(re.search(r"/e/(\d+)/", unit.url).group(1))
    unit.get_by_role("button", name="送审").click()
    unit.wait_for_selector("text=已送审")

    # A unit user cannot reach another unit's evaluation by typing its address.
    with sqlite3.connect(db) as con:
        other = con.execute("select e.id from store_evaluation e join store_unit u on u.id = e.unit_id "
                            "where u.code = '4403RS02' and e.year = 2020").fetchone()[0]
    resp = unit.goto(f"{url}/e/{other}/")
    assert resp.status == 404
    for path in ("/overview/", "/audit/", f"/e/{other}/review", f"/e/{other}/reports/"):
        assert unit.goto(url + path).status == 404, path

    # 3. The 主管部门 returns it with an opinion.
    dept = _login(browser, url, "zhuguan")
    dept.goto(f"{url}/e/{ev_id}/")
    dept.get_by_label("退回意见（必填）").fill("请补充绩效管理制度建设情况的佐证材料")
    dept.get_by_role("button", name="退回单位").click()
    dept.wait_for_selector("text=已退回单位")

    # 4. The unit sees it returned, fixes it and resubmits.
    unit.goto(url + "/")
    returned = unit.locator("section[aria-labelledby=col-returned]")
    assert "深圳市社会保险基金管理局" in returned.inner_text()
    unit.goto(f"{url}/e/{ev_id}/")
    assert "请补充绩效管理制度建设情况的佐证材料" in unit.content()
    unit.get_by_role("link", name="填报 / 修改").click()
    unit.locator('[name="e.绩效管理制度"]').fill("已于2021年3月印发《预算绩效管理办法》，2020年度尚缺制度保障")
    unit.get_by_label("本次保存说明").fill("按主管部门意见补充说明")
    unit.locator("#save").click()
    unit.wait_for_selector("#state")
    unit.get_by_role("button", name="送审").click()
    unit.wait_for_selector("text=已送审")

    # 5. The 主管部门 approves.
    dept.goto(f"{url}/e/{ev_id}/review")
    _shot(dept, "04-review-dept")
    dept.get_by_role("button", name="主管部门审核通过").click()
    dept.wait_for_selector("text=主管部门已审")

    # 6. 财政 changes one judgement with a reason, and approves.
    fin = _login(browser, url, "caizheng")
    fin.goto(f"{url}/e/{ev_id}/review")
    fin.locator("summary", has_text="设置的绩效指标包含可量化的指标").first.click()
    form = fin.locator("form", has=fin.locator('input[name=target][value="含可量化指标"]'))
    form.locator("select[name=value]").select_option(label="未达到")
    form.locator("input[name=reason]").fill("部分指标仅有定性描述，未设置可量化的指标值")
    form.get_by_role("button", name="调整").click()
    fin.wait_for_selector("text=已调整")
    judged = float(fin.locator("#review-total").inner_text().strip())
    assert judged < 96.77
    # …and gives discretionary points (酌情给分) on another criterion: 1.5 of its 2 points
    fin.locator("summary", has_text="将部门整体绩效目标细化分解").first.click()
    form = fin.locator("form", has=fin.locator('input[name=target][value="目标细化分解"]'))
    form.locator("input[name=points]").fill("1.5")
    form.locator("input[name=reason]").fill("年度目标未细化到季度，酌情给 1.5 分")
    form.get_by_role("button", name="调整").click()
    fin.wait_for_selector("text=已调整“")
    reviewed = fin.locator("#review-total").inner_text().strip()
    assert abs(float(reviewed) - (judged - 0.5)) < 0.006, (judged, reviewed)
    _shot(fin, "05-review-finance")
    fin.get_by_role("button", name="财政终审通过").click()
    fin.wait_for_selector("text=财政已审")
    assert fin.locator("#own-total").inner_text().strip() == "96.77"
    assert fin.locator("#reviewed-total").inner_text().strip() == reviewed
    _shot(fin, "06-detail-both-scores")

    # 7. The downloaded report shows both scores (a progress page, then the file).
    fin.goto(f"{url}/e/{ev_id}/reports/")
    fin.locator("tr", has_text="（当前）").get_by_role("button", name="生成 DOCX").click()
    fin.wait_for_selector("#job-download", timeout=120000)
    with fin.expect_download() as dl:
        fin.locator("#job-download").click()
    path = dl.value.path()
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", xml)
    assert "自评分与复核分对照" in text and "96.77" in text and reviewed in text

    # 8. The audit log shows every step.
    fin.goto(f"{url}/audit/?unit=4403RS01")
    log = fin.locator("#audit-table").inner_text()
    for step in ("新建评价", "保存版本", "送审", "退回单位", "主管部门审核通过", "评分调整", "财政终审通过"):
        assert step in log, step
    _shot(fin, "07-audit")
    fin.goto(f"{url}/overview/?year=2020")
    fin.wait_for_selector("#ranking")
    fin.wait_for_timeout(800)  # let ECharts draw
    _shot(fin, "08-overview")
    # …and at year end the grade gives next year's budget advice, which 财政 may change with a reason.
    fin.get_by_role("link", name="结果应用").click()
    fin.locator("#year").select_option("2020")
    fin.get_by_role("button", name="切换").click()
    row = fin.locator(f"#e{ev_id}")
    assert "优先保障" in row.inner_text()
    row.locator("summary", has_text="调整建议").click()
    row.get_by_label("调整为").select_option("保障")
    row.get_by_label("理由（必填）").fill("下年度该项工作量下降，按保障安排")
    row.get_by_role("button", name="保存调整").click()
    fin.wait_for_selector("text=调整为“保障”")
    assert "原建议：优先保障" in fin.locator(f"#e{ev_id}").inner_text()
    fin.wait_for_timeout(800)  # let ECharts draw
    _shot(fin, "08b-apply")
    fin.goto(f"{url}/forms/")
    _shot(fin, "09-forms")
    for pg in (unit, dept, fin):
        pg.context.close()

    # 9. The expert sees only the evaluation assigned to them, scores its expert indicator; the total follows.
    expert = _login(browser, url, "zhuanjia")
    expert.get_by_role("link", name="专家评分").click()
    rows = expert.locator("tbody tr")
    assert rows.count() == 1 and "深圳市职业技能鉴定指导中心" in rows.first.inner_text()
    rows.first.get_by_role("link", name="评分").click()
    before = float(expert.locator("#expert-total").inner_text())
    assert "将部门整体绩效目标细化分解" not in expert.content()  # judgements are not the expert's part
    expert.get_by_label("评分（0–25 分）").fill("21")
    expert.get_by_label("理由（必填）").fill("可持续影响的佐证不足")
    expert.get_by_role("button", name="提交评分").click()
    expert.wait_for_selector("text=已调整")
    after = float(expert.locator("#expert-total").inner_text())
    assert after < before
    _shot(expert, "10-expert")
    expert.context.close()

    # 10. The bulk page takes jixiao batch's long table (one row per line of a form).
    from typer.testing import CliRunner

    from jixiao.cli import app

    table = Path(db).parent.parent / "forms.parquet"
    r = CliRunner().invoke(app, ["batch", "import", str(ROOT / "examples" / "chizhou-2022" / "form.yaml"), "-o", str(table)])
    assert r.exit_code == 0, r.output
    bulk = _login(browser, url, "danwei2")
    bulk.goto(url + "/forms/")
    bulk.get_by_label("自评表文件（.yaml、.json、.xlsx，或批量长表 .csv、.parquet，可多选）").set_input_files(str(table))
    bulk.get_by_role("button", name="上传并重算").click()
    bulk.wait_for_selector("text=成功导入 1 份", timeout=120000)
    _shot(bulk, "11-bulk-long-table")
    bulk.locator("#job-next").click()
    assert "委托业务项目" in bulk.locator("#forms-table").inner_text()
    bulk.context.close()


def test_keyboard_only_entry(server, browser):
    """The entry form is usable by keyboard alone: tab to a field, type, the score follows."""
    page = _login(browser, server["url"], "danwei2")
    with sqlite3.connect(server["db"]) as con:
        ev = con.execute("select e.id from store_evaluation e join store_unit u on u.id = e.unit_id "
                         "where u.code = '4403RS04' and e.year = 2020").fetchone()[0]
    page.goto(f"{server['url']}/e/{ev}/edit")
    before = _total(page)
    page.locator('[name="v.按时完成项目数"]').focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("39")
    page.keyboard.press("Tab")
    page.wait_for_function(f"document.querySelector('#score-panel #total').textContent.trim() !== '{before}'")
    assert _total(page) != before
    # every visible input has a label
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(e => !e.labels || e.labels.length === 0).map(e => e.name)""")
    assert unlabelled == []
    page.context.close()
    shutil.rmtree(Path(server["db"]).parent / "reports", ignore_errors=True)


def test_monitoring_journey(server, browser, tmp_path):
    """运行监控 in the browser: the unit files its 1—7月 form; 送审 is refused until the red light has
    its 纠偏措施; 财政 sees the map, opens the red project and creates a 整改 item from it."""
    url = server["url"]
    form = tmp_path / "委托业务项目-1-7月.yaml"
    text = (ROOT / "examples" / "chizhou-2022" / "monitoring.yaml").read_text(encoding="utf-8")
    form.write_text(text.replace("执行数: 36.5", "执行数: 40"), encoding="utf-8")
    unit = _login(browser, url, "danwei2")
    unit.get_by_role("link", name="运行监控").click()
    unit.get_by_label("监控表文件（.xlsx、.yaml 或 .json）").set_input_files(str(form))
    unit.get_by_role("button", name="上传并亮灯").click()
    unit.wait_for_selector("text=已保存")
    assert "红灯" in unit.locator("#lights-table").inner_text()
    unit.get_by_role("button", name="送审").click()
    unit.wait_for_selector("text=须先填写纠偏措施才能送审")
    _shot(unit, "12-monitoring-red-light")
    unit.get_by_label("纠偏措施（必填）").fill("下半年集中开展委托，9月底前完成30项")
    unit.get_by_role("button", name="保存纠偏措施").click()
    unit.wait_for_selector("text=已填写")
    unit.get_by_role("button", name="送审").click()
    unit.wait_for_selector("text=已送审。")
    unit.context.close()

    fin = _login(browser, url, "caizheng")
    fin.get_by_role("link", name="运行监控").click()
    fin.locator("#year").select_option("2022")
    fin.get_by_role("button", name="切换").click()
    row = fin.locator("#monitoring-table tbody tr").first
    assert "基建工程委托业务项目数量" in row.inner_text()
    fin.wait_for_timeout(800)  # let ECharts draw
    _shot(fin, "13-monitoring-map")
    row.get_by_role("link").click()
    fin.get_by_role("link", name="提出整改").click()
    assert "运行监控红灯：基建工程委托业务项目数量" in fin.get_by_label("问题（必填）").input_value()
    fin.get_by_label("整改要求（必填）").fill("9月底前报送委托业务进度，未完成部分说明原因")
    fin.get_by_label("整改期限").fill("2022-10-31")
    fin.get_by_role("button", name="提出").click()
    fin.wait_for_selector("text=已提出整改要求")
    assert "深圳市人才交流服务中心" in fin.locator("dl.facts").inner_text()
    _shot(fin, "14-rectify-item")
    fin.context.close()
