"""Every size limit on what jixiao reads, in one table (mirrored in ``docs/intake.md``).

Each limit is enforced at the edge, before the costly step it protects: a file's size and kind
before a byte is read, a zip's declared sizes before a part is inflated, the cells of a workbook
while they stream past (never the rectangle up to the last used cell), the entries of a YAML file
before the (slow, pure-Python) parser starts. What is over a limit is refused with
``E-IN-TOO-LARGE`` (``E-IN-ZIP-BOMB``/``E-IN-YAML-BOMB`` where it can only be an attack, ``E-FW-RULE-SIZE``
for a rule wider than the engine evaluates), never truncated and never read halfway.
"""

from __future__ import annotations

from jixiao.core import expr as _expr
from jixiao.core.rules.base import RULE_DEPTH

# Files
TEXT_BYTES = 5_000_000  # a case, form or framework as YAML/JSON
WORKBOOK_BYTES = 10_000_000  # a case workbook is tens of kilobytes
UNPACKED_BYTES = 60_000_000  # all parts of a workbook together, as its zip declares them
ZIP_PARTS = 1_000  # parts inside one workbook
ZIP_RATIO = 100  # inflated ÷ compressed, for any part over RATIO_FLOOR bytes
RATIO_FLOOR = 1_000_000

# Structure
YAML_MARKS = 60_000  # “:”, “,” and “- ” in a YAML text, counted before parsing (~1 ms per entry)
NODES = 200_000  # values after aliases are expanded
NESTING = 64  # levels of mappings and lists
LIST_ITEMS = 5_000  # items in one list (项目清单……), in every format
CELLS = 200_000  # cells in a workbook, over all its sheets, counted while streaming
ROWS = LIST_ITEMS + 1_000  # rows of one sheet: a full list plus its facts and headers
COLUMNS = 64  # the column of the last non-empty cell on a sheet jixiao reads
TEXT_CHARS = 32_767  # one text value (Excel's own limit for a cell)
DIGITS = 30  # digits of one number (a budget in 元 has at most 15)

# Frameworks (checked by ``jixiao check-framework``, so ``score`` never meets what it cannot evaluate)
EXPRESSION_CHARS = _expr.MAX_LENGTH
EXPRESSION_NODES = _expr.MAX_NODES
EXPRESSION_DEPTH = _expr.MAX_DEPTH
# RULE_DEPTH (core.rules.base): the breadth of one rule — criteria, bands or parts — as the depth
# of its lowered tree, which is what the engine's recursive walks pay for.

TABLE = [
    # (what, limit, unit, refusal code or what happens) — the rows of the table in docs/intake.md
    ("文本文件（YAML/JSON）大小", TEXT_BYTES, "字节", "E-IN-TOO-LARGE"),
    ("工作簿文件大小", WORKBOOK_BYTES, "字节", "E-IN-TOO-LARGE"),
    ("工作簿解压后合计", UNPACKED_BYTES, "字节", "E-IN-ZIP-BOMB"),
    ("工作簿部件数", ZIP_PARTS, "个", "E-IN-ZIP-BOMB"),
    ("YAML 条目标记（冒号、逗号、列表项）", YAML_MARKS, "个", "E-IN-TOO-LARGE"),
    ("展开后的节点", NODES, "个", "E-IN-TOO-LARGE"),
    ("嵌套层数", NESTING, "层", "E-IN-YAML-BOMB"),
    ("一个清单的条目", LIST_ITEMS, "项", "E-IN-TOO-LARGE"),
    ("工作簿单元格（全部工作表）", CELLS, "个", "E-IN-TOO-LARGE"),
    ("一张工作表的行", ROWS, "行", "E-IN-TOO-LARGE"),
    ("一张工作表读取的列", COLUMNS, "列", "更右的列不读"),
    ("一段文字", TEXT_CHARS, "字符", "E-IN-TOO-LARGE"),
    ("一个整数的位数", DIGITS, "位", "E-IN-TOO-LARGE"),
    ("一个表达式的长度", EXPRESSION_CHARS, "字符", "E-FW-SCHEMA"),
    ("一个表达式的节点", EXPRESSION_NODES, "个", "E-FW-SCHEMA"),
    ("一个表达式的嵌套", EXPRESSION_DEPTH, "层", "E-FW-SCHEMA"),
    ("一条规则的宽度（展开后的层数）", RULE_DEPTH, "层", "E-FW-RULE-SIZE"),
]
