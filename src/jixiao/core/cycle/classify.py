"""功能分类 and 行业 of a target form, and how two projects are "similar" for the 指标库.

功能分类 is the 支出功能分类科目 of the project's money, as 《政府收支分类科目》 numbers it: 类 (3
digits), 款 (5) and 项 (7) — "208 社会保障和就业支出", "20801 人力资源和社会保障管理事务",
"2080109 社会保险经办机构". A form may give the code, the name, or both ("2080109 社会保险经办机构");
a code of any other length is refused, since a prefix comparison on it would mean nothing.
行业 is free text (the shipped editions offer the 20 门类 of GB/T 4754-2017 as a drop-down).

Two projects' 功能分类 agree at the most specific level both codes reach: two 7-digit codes at 项 if
they are equal, else at 款 if their first five digits are, else at 类.

>>> parse_function_class("2080109 社会保险经办机构")
FunctionClass(code='2080109', name='社会保险经办机构')
>>> parse_function_class("社会保险经办机构").code
''
>>> parse_function_class("208011")
Traceback (most recent call last):
ValueError: 功能分类科目编码“208011”是 6 位；应为 3 位（类）、5 位（款）或 7 位（项）数字，如“2080109 社会保险经办机构”
>>> shared_level("2080109", "2080199"), shared_level("2080109", "20801"), shared_level("2080109", "2100101")
(5, 5, 0)
>>> round(title_similarity("社会保险经办服务项目", "社会保险经办能力建设"), 2)
0.38
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEVELS = {3: "类", 5: "款", 7: "项"}
MAX_FUNCTION_CLASS = 80  # characters of the whole cell: a 7-digit code and the longest 项 names fit
MAX_INDUSTRY = 40
_CODE = re.compile(r"^\s*(\d+)\s*[-—－·.、:：\s]?\s*(.*?)\s*$", re.S)


@dataclass(frozen=True)
class FunctionClass:
    code: str  # 3, 5 or 7 digits, or "" when only the name is given
    name: str

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.code, self.name) if p)

    @property
    def level(self) -> str:
        return LEVELS.get(len(self.code), "")


def parse_function_class(text: str) -> FunctionClass:
    """The code and name of a 功能分类 cell; ValueError (a Chinese message) when its shape is wrong."""
    plain = " ".join(str(text or "").split())
    if not plain:
        raise ValueError("功能分类为空")
    if len(plain) > MAX_FUNCTION_CLASS:
        raise ValueError(f"功能分类过长（{len(plain)} 字），上限 {MAX_FUNCTION_CLASS} 字；请只写科目编码和名称，如“2080109 社会保险经办机构”")
    m = _CODE.match(plain)
    if m is None:
        if any(ch.isdigit() for ch in plain[:1]):
            raise ValueError(f"功能分类“{plain}”无法读取；请写科目编码和名称，如“2080109 社会保险经办机构”")
        return FunctionClass("", plain)
    code, name = m.group(1), m.group(2)
    if len(code) not in LEVELS:
        raise ValueError(f"功能分类科目编码“{code}”是 {len(code)} 位；应为 3 位（类）、5 位（款）或 7 位（项）数字，"
                         f"如“2080109 社会保险经办机构”")
    if any(ch.isdigit() for ch in name[:1]):
        raise ValueError(f"功能分类“{plain}”的编码后还有数字；一格只写一个科目，如“2080109 社会保险经办机构”")
    return FunctionClass(code, name)


def check_industry(text: str) -> str:
    """行业 as one line of bounded text; ValueError (a Chinese message) otherwise."""
    plain = " ".join(str(text or "").split())
    if len(plain) > MAX_INDUSTRY:
        raise ValueError(f"行业过长（{len(plain)} 字），上限 {MAX_INDUSTRY} 字；请写行业门类或名称，如“卫生和社会工作”")
    return plain


def shared_level(a: str, b: str) -> int:
    """The number of code digits two 功能分类 codes share at the most specific level both reach (0: none)."""
    for n in sorted(LEVELS, reverse=True):
        if len(a) >= n and len(b) >= n and a[:n] == b[:n]:
            return n
    return 0


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text if not ch.isspace() and ch not in "（）()“”\"'、，,。-—"]
    return {a + b for a, b in zip(chars, chars[1:])} or set(chars)


def title_similarity(a: str, b: str) -> float:
    """How alike two project names are: the Jaccard index of their character pairs (0 to 1)."""
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0
