"""The labels of a 绩效目标申报表: header fields, block keys and their accepted spellings.

Shared by the YAML/JSON reader (:mod:`jixiao.intake.target`) and the workbook reader and writer
(:mod:`jixiao.intake.target_xlsx`), so neither imports the other at module level.
"""

from __future__ import annotations

from jixiao.core.cycle.target import ANNUAL, MEDIUM

PROJECT_HEADER = ("项目名称", "主管部门及代码", "实施单位", "项目属性", "项目期")
DEPT_HEADER = ("部门名称", "主管部门及代码")
OPTIONAL_HEADER = ("功能分类", "行业")  # read when the edition lists them (``optional_header``), never required
KEYS = {
    "framework": ("framework", "指标体系", "审核规则"), "表名": ("表名",), "年度": ("年度", "年份"),
    "金额单位": ("金额单位",), "项目名称": ("项目名称",), "部门名称": ("部门名称", "部门（单位）名称", "单位名称"),
    "主管部门及代码": ("主管部门及代码", "主管部门"), "实施单位": ("实施单位",), "项目属性": ("项目属性",),
    "项目期": ("项目期", "项目周期"), "资金": ("资金", "项目资金", "资金情况"), "总体目标": ("总体目标", "绩效目标"),
    "年度主要任务": ("年度主要任务", "主要任务"), "绩效指标": ("绩效指标",), "审核": ("审核", "审核意见"),
    "历史完成值": ("历史完成值",), "说明": ("说明", "备注"),
    "功能分类": ("功能分类", "支出功能分类", "功能分类科目", "支出功能分类科目"), "行业": ("行业", "所属行业", "行业分类"),
}
FUND_KEYS = {"资金总额": ("资金总额", "总额", "合计"), "财政拨款": ("财政拨款",), "其他资金": ("其他资金",)}
TASK_KEYS = {"任务名称": ("任务名称", "任务"), "主要内容": ("主要内容",), "总额": ("总额", "预算金额", "资金总额"),
             "财政拨款": ("财政拨款",), "其他资金": ("其他资金",)}
ROW_KEYS = {"期间": ("期间",), "一级指标": ("一级指标",), "二级指标": ("二级指标",), "三级指标": ("三级指标",),
            "指标性质": ("指标性质", "运算符"), "指标值": ("指标值", "年度指标值", "中期指标值"),
            "计量单位": ("计量单位", "度量单位", "单位"), "指标值确定依据": ("指标值确定依据", "指标值设定依据", "绩效标准"),
            "预算支出标准": ("预算支出标准", "支出标准"), "备注": ("备注",)}
PERIODS = {"中期": MEDIUM, "年度": ANNUAL, "长期": MEDIUM}
