"""Pydantic's schema errors in Chinese, each at the line of the field it concerns (any kind of edition)."""

from __future__ import annotations

from pydantic import ValidationError

from jixiao.core.errors import Problem
from jixiao.core.rules import KIND_NAMES
from jixiao.intake.yamlio import Located

PYDANTIC_TEXT = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的字段（请检查拼写）",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "greater_than": "应大于 0",
    "greater_than_equal": "不应小于 0",
    "string_type": "应为文字",
    "literal_error": "取值不在允许范围内",
    "list_type": "应为列表",
    "dict_type": "应为键值映射",
    "model_type": "应为键值映射",
    "bool_type": "应为 true 或 false",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不应有小数",
    "int_parsing_size": "整数过大",
    "tuple_type": "应为列表",
    "model_attributes_type": "应为键值映射",
}


def schema_problems(exc: ValidationError, doc: Located, code: str) -> list[Problem]:
    """Pydantic's errors in Chinese, each at the line of the field it concerns."""
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        # A discriminated union puts the kind's name into the path; drop it to find the YAML line.
        path = tuple(p for p in loc if not (isinstance(p, str) and p in KIND_NAMES))
        field = ".".join(str(p) for p in path)
        if err["type"] == "union_tag_invalid":
            msg = f"未知的规则类型 kind“{err.get('input', {}).get('kind')}”；可用：{'、'.join(KIND_NAMES)}"
        elif err["type"] == "union_tag_not_found":
            msg = "规则缺少 kind（规则类型）"
        elif err["type"] == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
        else:
            msg = PYDANTIC_TEXT.get(err["type"], err["msg"])
        out.append(Problem(code, f"{field}：{msg}", doc.where(path), _indicator_at(doc.data, path)))
    return out


def _indicator_at(data, path: tuple) -> str:
    """The name of the indicator a path points into, so messages can say which one."""
    name, node = "", data
    for p in path:
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "weight" in node and "name" in node:
            name = str(node["name"])
    return name
