"""事前绩效评估 in a real browser (Debian's chromium via Playwright) against ``jixiao serve --demo``:
an expert opens the demo's assessment from the menu, sees only their own marks, changes one and
saves; 财政 sees every expert's marks, the combined score, the outcome with its reason, and records
the outcome. Screenshot: docs/web/15-preassess.png (财政's view)."""

from __future__ import annotations

import pytest
from tests.web.test_journey_targets import SHOTS, _login, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def test_preassessment_journey(server, browser):  # noqa: F811
    url = server["url"]
    expert = _login(browser, url, "zhuanjia")
    expert.get_by_role("link", name="事前评估").click()
    expert.get_by_role("link", name="委托业务项目").click()
    expert.wait_for_selector("#preassess-mark")
    assert "zhuanjia2" not in expert.content() and expert.locator("#preassess-total").count() == 0
    assert expert.locator("#mark-1").input_value() == "15"
    expert.locator("#mark-1").fill("25")
    expert.get_by_role("button", name="保存我的评分").click()
    expert.wait_for_selector("text=评分未保存")
    assert "0 到 20 分之间" in expert.content()
    expert.locator("#mark-1").fill("良")
    expert.locator("#mark-comment").fill("绩效指标偏少，成本指标未细化；投入测算基本合理")
    expert.get_by_role("button", name="保存我的评分").click()
    expert.wait_for_selector("text=已保存您的评分")
    assert expert.locator("#mark-1").input_value() == "良"
    expert.context.close()

    fin = _login(browser, url, "caizheng")
    fin.get_by_role("link", name="事前评估").click()
    fin.get_by_role("link", name="委托业务项目").click()
    fin.wait_for_selector("#preassess-dims")
    # 专家甲's 投入经济性 is now 良 (17 points): the mean 15.67, the total 83.0
    assert fin.locator("#preassess-total").inner_text() == "83.00"
    assert fin.locator("#preassess-computed").inner_text() == "通过"
    assert "良（17.00）" in fin.locator("#preassess-dims").inner_text()
    fin.locator("#preassess-dims").scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    fin.screenshot(path=str(SHOTS / "15-preassess.png"), full_page=True)
    fin.get_by_label("评估结论", exact=True).select_option("再评估")
    fin.locator("#conclude-reason").fill("成本测算依据不足，完善后再评估")
    fin.get_by_role("button", name="记录结论").click()
    fin.wait_for_selector("#preassess-conclusion")
    assert fin.locator("#preassess-conclusion").inner_text() == "再评估"
    fin.context.close()


def test_taking_an_expert_off_asks_first(server, browser):  # noqa: F811
    """财政 starts a blank assessment, assigns an expert, and takes them off: the browser asks first
    (the form's data-confirm); cancelled, nothing is posted; confirmed, the expert is off."""
    url = server["url"]
    fin = _login(browser, url, "caizheng")
    fin.goto(url + "/preassess/")
    fin.locator("#pa-unit").select_option("4403RS04")
    fin.locator("#pa-project").fill("人才驿站项目")
    fin.locator("#pa-amount").fill("60")
    fin.get_by_role("button", name="新建").click()
    fin.wait_for_selector("#preassess-assign")
    fin.locator("#assign-user").select_option("zhuanjia")
    fin.get_by_role("button", name="指派", exact=True).click()
    fin.wait_for_selector("text=已指派专家 zhuanjia")
    asked: list[str] = []

    def answer(accept: bool):
        def handle(dialog):
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return handle

    fin.once("dialog", answer(False))
    fin.get_by_role("button", name="撤销指派").click()
    fin.wait_for_timeout(500)
    assert asked and asked[0].startswith("确定撤销该专家的指派吗？")
    assert "已撤销专家" not in fin.content() and fin.locator("#unassign-user").count() == 1
    fin.once("dialog", answer(True))
    fin.get_by_role("button", name="撤销指派").click()
    fin.wait_for_selector("text=已撤销专家 zhuanjia 的指派")
    assert len(asked) == 2 and fin.locator("#preassess-unassign").count() == 0
    fin.context.close()
    expert = _login(browser, url, "zhuanjia")
    expert.get_by_role("link", name="事前评估").click()
    assert "人才驿站项目" not in expert.content()
    expert.context.close()
