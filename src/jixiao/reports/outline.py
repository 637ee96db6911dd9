"""The report as a format-neutral outline: headings, paragraphs and placed tables, charts, a TOC.

A report template (``templates/*.md.j2``) renders to a small line-based markup that this module
reads into blocks; the DOCX, HTML and Markdown writers each render the same blocks, so the three
documents cannot drift apart. The markup:

``# 标题`` … ``#### 标题``   headings of levels 1–4, numbered here as 一、 （一） 1. （1）
``+ 文字``                  a paragraph led by the next （n） of level 4 (``（1）政府采购执行方面。……``)
``::指令 参数``             a placed element: ``::title``, ``::unit``, ``::toc``, ``::pagebreak``,
                            ``::scores``, ``::chart``, ``::attachments``, ``::table N``
                            (the report's N-th table of ``report.tables``)
``::align left``            the paragraphs that follow are left-aligned, not justified (formula
                            lines: justification stretched their spaces), until ``::align``
other lines                 paragraph text; consecutive lines join into one paragraph, a blank
                            line ends it; ``**粗体**`` inside a paragraph is bold
``\\`` at a line's start    the line is text, whatever follows (values inserted from a case are
                            escaped this way, so no input can turn into structure)

>>> blocks = parse("# 部门基本情况\\n## 部门主要职能\\n### 部门主要职能\\n为加强\\n管理。\\n\\n+ 甲。\\n+ 乙。")
>>> [(b.number, b.text) for b in blocks if isinstance(b, Heading)]
[('一、', '部门基本情况'), ('（一）', '部门主要职能'), ('1. ', '部门主要职能')]
>>> [b.plain for b in blocks if isinstance(b, Para)]
['为加强管理。', '（1）甲。', '（2）乙。']
>>> escape("# 不是标题\\n::toc")
'\\\\# 不是标题\\n\\\\::toc'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DIGITS = "零一二三四五六七八九"
DIRECTIVES = {"title", "unit", "toc", "pagebreak", "scores", "chart", "attachments", "center", "right", "align", "table"}
ALIGNS = {"", "left", "justify"}


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (enough for any outline)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else DIGITS[tens]
    return head + "十" + (DIGITS[ones] if ones else "")


def heading_number(level: int, n: int) -> str:
    if level == 1:
        return f"{chinese_number(n)}、"
    if level == 2:
        return f"（{chinese_number(n)}）"
    if level == 3:
        return f"{n}. "
    return f"（{n}）"


@dataclass
class Run:
    text: str
    bold: bool = False


@dataclass
class Heading:
    level: int
    text: str
    number: str = ""
    anchor: str = ""  # a bookmark / id the TOC links to

    @property
    def full(self) -> str:
        return f"{self.number}{self.text}"


@dataclass
class Para:
    runs: list[Run]
    lead: str = ""  # （1） for a numbered paragraph
    align: str = ""  # "" (justified, indented), "left" (indented), "center" or "right"

    @property
    def plain(self) -> str:
        return self.lead + "".join(r.text for r in self.runs)


@dataclass
class Directive:
    name: str
    arg: str = ""


Block = Heading | Para | Directive


@dataclass
class Document:
    """The whole report: blocks, plus what the directives place (filled in by the composer)."""

    blocks: list[Block]
    title: str = ""
    unit: str = ""
    toc: list[Heading] = field(default_factory=list)

    def headings(self, up_to: int = 2) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading) and b.level <= up_to]


_ESCAPE = re.compile(r"^(?=[#+\\]|::)", re.MULTILINE)


def escape(text: str) -> str:
    """Make inserted text literal: any line that would read as structure gets a leading ``\\``."""
    return _ESCAPE.sub("\\\\", text)


def inline(text: str) -> list[Run]:
    """``**粗体**`` → bold runs; an unmatched ``**`` stays as written."""
    parts = text.split("**")
    if len(parts) % 2 == 0:  # unbalanced: no bold at all
        return [Run(text)] if text else []
    return [Run(p, bold=bool(i % 2)) for i, p in enumerate(parts) if p]


def parse(markup: str) -> list[Block]:
    """Read the template's markup into numbered blocks."""
    blocks: list[Block] = []
    counters = [0, 0, 0, 0, 0]
    lines: list[str] = []
    lead = ""
    align = ""

    def flush():
        nonlocal lines, lead
        text = "".join(lines).strip()
        if text or lead:
            blocks.append(Para(inline(text), lead=lead, align=align))
        lines, lead = [], ""

    for raw in markup.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if stripped.startswith("\\"):
            lines.append(stripped[1:])
            continue
        m = re.match(r"^(#{1,4})\s+(.*)$", stripped)
        if m:
            flush()
            level = len(m.group(1))
            counters[level] += 1
            for deeper in range(level + 1, len(counters)):
                counters[deeper] = 0
            blocks.append(Heading(level, m.group(2).strip(), heading_number(level, counters[level])))
            continue
        if stripped.startswith("+ "):
            flush()
            counters[4] += 1
            lead = heading_number(4, counters[4])
            lines.append(stripped[2:].strip())
            continue
        if stripped.startswith("::"):
            flush()
            name, _, arg = stripped[2:].partition(" ")
            if name not in DIRECTIVES:
                raise ValueError(f"unknown report directive ::{name}")
            if name == "align":
                align = arg.strip()
                if align not in ALIGNS:
                    raise ValueError(f"::align takes left or justify, not {align!r}")
                align = "" if align == "justify" else align
            elif name in ("center", "right"):
                blocks.append(Para(inline(arg.strip()), align=name))
            else:
                blocks.append(Directive(name, arg.strip()))
            continue
        lines.append(stripped)
    flush()
    for i, b in enumerate(blocks):
        if isinstance(b, Heading):
            b.anchor = f"_Toc{i:04d}"
    return blocks
