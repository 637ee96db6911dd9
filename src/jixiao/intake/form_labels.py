"""The labels of a project self-evaluation form, and the other labels forms use for the same thing.

Shared by the form reader (:mod:`jixiao.intake.form`) and the printed-form workbook reader
(:mod:`jixiao.intake.form_xlsx`), so neither imports the other for them.
"""

from __future__ import annotations

import unicodedata


def _plain(text: str) -> str:
    out = unicodedata.normalize("NFKC", str(text)).strip()
    for a, b in (("，", ""), (",", ""), (" ", ""), ("\u3000", ""), ("≧", "≥"), ("≦", "≤")):
        out = out.replace(a, b)
    return out


KEYS = {  # the form's labels, and other labels forms use for the same thing
    "年度": ("年度", "年份"), "项目名称": ("项目名称",), "主管部门": ("主管部门", "市级主管部门", "主管部门及代码"),
    "实施单位": ("实施单位", "项目实施单位", "实施单位（盖章）"), "地区": ("地区", "行政区划"),
    "金额单位": ("金额单位",), "项目资金": ("项目资金", "预算执行情况"), "年度总体目标": ("年度总体目标",),
    "绩效指标": ("绩效指标",), "总分": ("总分", "合计"), "framework": ("framework", "指标体系"),
    "表名": ("表名",), "说明": ("说明", "备注"),
}
FUND_KEYS = {"资金": ("资金", "项目", "名称"), "年初预算数": ("年初预算数", "年初预算"), "全年预算数": ("全年预算数", "预算数"),
             "调整后预算数": ("调整后预算数", "调整后预算"), "全年执行数": ("全年执行数", "预算执行数", "执行数"),
             "分值": ("分值", "权重"), "执行率": ("执行率", "预算执行率"), "得分": ("得分",),
             "原因": ("原因", "偏差原因", "偏差原因分析", "未完成原因")}
ROW_KEYS = {"一级指标": ("一级指标",), "二级指标": ("二级指标",), "三级指标": ("三级指标",),
            "指标性质": ("指标性质", "性质"), "年度指标值": ("年度指标值", "指标值"), "度量单位": ("度量单位", "计量单位", "单位"),
            "实际完成值": ("实际完成值", "完成值", "全年实际值"), "评价等级": ("评价等级", "完成档次"),
            "分值": ("分值", "权重"), "得分": ("得分",),
            "偏差原因": ("偏差原因分析及改进措施", "偏差原因", "未完成原因分析", "偏差原因分析", "原因")}


def canonical(raw: dict, table: dict) -> tuple[dict, dict, list[str]]:
    """Keys mapped to their canonical label; returns (values, original key of each, unknown keys)."""
    lookup = {alias: key for key, aliases in table.items() for alias in aliases}
    values, original, unknown = {}, {}, []
    for k, v in raw.items():
        key = lookup.get(str(k).strip())
        if key is None:
            unknown.append(str(k))
        elif key not in values or values[key] in (None, ""):
            values[key], original[key] = v, k
    return values, original, unknown
