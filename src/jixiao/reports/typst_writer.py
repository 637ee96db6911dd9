"""The report as PDF laid out by Typst (the ``typst`` pip package), without LibreOffice.

It renders the same blocks as :mod:`docx_writer` (``report.document.blocks``, the summary table and
the 附件 tables) in the same official style (GB/T 9704-2012, as far as a report applies it):

* A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right (a 156 × 225 mm type area);
* body 仿宋 三号 on a fixed 28.95 pt line pitch (22 lines a page), first lines indented two
  characters; 一级标题 黑体, 二级标题 楷体, 三级标题 仿宋 bold; title 小标宋 二号;
* page numbers “— N —” in 宋体 四号, outside edge, from the body's first page; the cover and
  目录 are not numbered; the 目录's page numbers are the pages Typst put the headings on;
* 附件 tables on landscape pages whose header rows repeat; no table row splits across pages.

Typst reads font files itself (no fontconfig aliases): each role has a list of families, the
official one first and the free stand-ins the Makefile installs after it (the same mapping as
``templates/fonts.conf``), filtered to the families found in the font folders, so Typst never
warns about a missing family. Fonts come only from the system font folders (and
``JIXIAO_FONT_PATHS``); nothing is downloaded and no package is imported.

Every text from a case or a framework goes through :func:`escape` (markup) or :func:`string`
(a string literal): no input can become Typst markup or code. A Typst error here is a bug in the
markup this module writes, so it is raised as it is.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from pathlib import Path

from jixiao.reports import outline
from jixiao.reports.office import OfficeError
from jixiao.reports.tables import Table

LINE = 28.95  # pt: 225 mm ÷ 22 lines
ER_HAO, SAN_HAO, SI_HAO, XIAO_SI = 22, 16, 14, 12

# Each role's families, best first: the official font, then the free stand-in (fonts-noto-cjk,
# fonts-arphic-gkai00mp, fonts-wqy-zenhei, fonts-liberation) as templates/fonts.conf maps it.
FAMILIES = {
    "fangsong": ["FangSong_GB2312", "仿宋_GB2312", "FangSong", "仿宋", "Noto Serif CJK SC", "AR PL KaitiM GB"],
    "heiti": ["SimHei", "黑体", "Noto Sans CJK SC", "WenQuanYi Zen Hei"],
    "kaiti": ["KaiTi_GB2312", "楷体_GB2312", "KaiTi", "楷体", "AR PL KaitiM GB", "Noto Serif CJK SC"],
    "xiaobiaosong": ["FZXiaoBiaoSong-B05S", "方正小标宋简体", "Noto Serif CJK SC"],
    "songti": ["SimSun", "宋体", "Noto Serif CJK SC"],
    "latin": ["Times New Roman", "Liberation Serif"],
}
STAND_IN_TITLE = "Noto Serif CJK SC"  # 小标宋 is a heavy Song face: its stand-in is set bold
FONT_HINT = ("未找到报告所需的中文字体，无法用 Typst 生成 PDF。请安装："
             "Debian/Ubuntu 执行 `apt-get install fonts-noto-cjk fonts-arphic-gkai00mp fonts-liberation`"
             "（或运行 `make system`）；字体放在其他文件夹时，用环境变量 JIXIAO_FONT_PATHS 指明。")
SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")

_lock = threading.Lock()
_fonts = None  # (typst.Fonts, {role: [family, …]}), found once per process


def font_dirs() -> list[str]:
    """The folders Typst reads fonts from: ``JIXIAO_FONT_PATHS`` (os.pathsep-separated), then the
    system font folders that exist."""
    given = [p for p in os.environ.get("JIXIAO_FONT_PATHS", "").split(os.pathsep) if p.strip()]
    return [str(Path(p).expanduser()) for p in (*given, *SYSTEM_FONT_DIRS) if Path(p).expanduser().is_dir()]


def fonts():
    """The fonts Typst may use and each role's families among them; :class:`OfficeError` (Chinese)
    when a role has no font at all."""
    global _fonts
    with _lock:
        if _fonts is None:
            import typst

            found = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=font_dirs())
            have = {f.lower() for f in found.families()}
            roles = {role: [f for f in names if f.lower() in have] for role, names in FAMILIES.items()}
            if not all(roles.values()):
                raise OfficeError(FONT_HINT)
            _fonts = (found, roles)
        return _fonts


# -- escaping -----------------------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
# Every ASCII punctuation mark is escaped: markup gives meaning to most of them (# * _ $ < > @
# [ ] ` \ ~ = - + / ' " . :), and in Typst a backslash before any other character is that
# character, so escaping all of them cannot change the text.
_PUNCT = re.compile(r"[!-/:-@\[-`{-~]")


def escape(text: str) -> str:
    """Text as Typst markup that shows exactly this text (line breaks become spaces)."""
    text = _CONTROL.sub("", str(text).replace("\t", " ").replace("\r", " ").replace("\n", " "))
    return _PUNCT.sub(lambda m: "\\" + m.group(), text)


def string(text: str) -> str:
    """A Typst string literal holding ``text``."""
    text = _CONTROL.sub("", str(text).replace("\r", " ").replace("\n", " ").replace("\t", " "))
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _font_list(role: str, roles: dict[str, list[str]]) -> str:
    # Latin first, for digits and Latin only ("latin-in-cjk" leaves “ ” ‘ ’ and every CJK
    # character to the Chinese font, as the DOCX gives quotation marks the East Asian font).
    latin = [f"(name: {string(f)}, covers: \"latin-in-cjk\")" for f in roles["latin"]]
    return "(" + ", ".join(latin + [string(f) for f in roles[role]]) + ",)"


# -- the document -------------------------------------------------------------------------------

PREAMBLE = """\
#set document(title: {title}, author: {author})
#let fangsong = {fangsong}
#let heiti = {heiti}
#let kaiti = {kaiti}
#let songti = {songti}
#set text(font: fangsong, size: {san}pt, lang: "zh", region: "cn", cjk-latin-spacing: none,
  top-edge: 0.8em, bottom-edge: -0.2em)
#set par(justify: true, leading: {gap}pt, spacing: {gap}pt, first-line-indent: (amount: 2em, all: true))
#set block(above: {gap}pt, below: {gap}pt)
#set strong(delta: 300)
#set page(paper: "a4", margin: (top: 37mm, bottom: 35mm, left: 28mm, right: 26mm), footer-descent: 7mm,
  footer: context {{
    let start = query(<jx-body>)
    if start.len() > 0 and here().page() >= start.first().location().page() {{
      let n = counter(page).get().first()
      set text(font: songti, size: {si}pt)
      set par(first-line-indent: 0pt)
      align(if calc.odd(n) {{ right }} else {{ left }}, pad(x: 1em)[— #n —])
    }}
  }})
#show heading: it => {{
  let (font, weight) = if it.level == 1 {{ (heiti, "regular") }} else if it.level == 2 {{ (kaiti, "regular") }} \
    else if it.level == 3 {{ (fangsong, "bold") }} else {{ (fangsong, "regular") }}
  set text(font: font, weight: weight, size: {san}pt)
  block(sticky: true, width: 100%, above: {gap}pt, below: {gap}pt, par(first-line-indent: 0pt)[#h(2em)#it.body])
}}
#let tocline(target, indent, font, body) = link(target, block(width: 100%, spacing: {gap}pt,
  par(first-line-indent: 0pt, justify: false)[#h(indent)#text(font: font, body)#box(width: 1fr, \
repeat(gap: 0.15em)[.])#context counter(page).at(target).first()]))
"""


def render(report, chart: str = "") -> str:
    """The report as Typst source; ``chart`` names the chart's image file beside the source."""
    _, roles = fonts()
    doc = report.document
    title_weight = "bold" if roles["xiaobiaosong"][0] == STAND_IN_TITLE else "regular"
    out = [PREAMBLE.format(
        title=string(doc.title), author=string(doc.unit), san=SAN_HAO, si=SI_HAO, gap=round(LINE - SAN_HAO, 2),
        **{role: _font_list(role, roles) for role in ("fangsong", "heiti", "kaiti", "songti")})]
    out.append(f"#let xiaobiaosong = {_font_list('xiaobiaosong', roles)}\n#let titleweight = {string(title_weight)}\n")
    w = _Writer(report, chart, out)
    if not any(isinstance(b, outline.Directive) and b.name == "toc" for b in doc.blocks):
        out.append("#metadata(none) <jx-body>\n")  # no 目录: numbered from the first page
    for block in doc.blocks:
        w.block(block)
    if report.attachments:
        w.attachments()
    return "\n".join(out)


class _Writer:
    def __init__(self, report, chart: str, out: list[str]):
        self.report, self.chart, self.out = report, chart, out

    def block(self, b) -> None:
        if isinstance(b, outline.Heading):
            level = min(b.level, 4)
            self.out.append(f"#heading(level: {level}, outlined: false, bookmarked: true)[{escape(b.full)}] <{b.anchor}>\n")
        elif isinstance(b, outline.Para):
            self.para(b)
        elif isinstance(b, outline.Directive):
            getattr(self, "d_" + b.name, self.d_unknown)(b)

    def para(self, b: outline.Para) -> None:
        body = escape(b.lead) + "".join(f"#strong[{escape(r.text)}]" if r.bold else escape(r.text) for r in b.runs)
        if b.align == "left":  # a formula line: justified, its spaces would stretch
            self.out.append(f"#par(justify: false)[{body}]\n")
        elif b.align:
            self.out.append(f"#align({b.align}, par(first-line-indent: 0pt)[{body}])\n")
        else:
            self.out.append(f"#par[{body}]\n")

    def d_unknown(self, d) -> None:
        raise ValueError(f"the Typst writer has no rendering for ::{d.name}")

    def d_title(self, d) -> None:
        self.out.append(f"#v({3 * LINE}pt)\n#block(width: 100%, spacing: 0pt, below: 60pt)[#set par(leading: {36 - ER_HAO}pt, "
                        "first-line-indent: 0pt, justify: false)\n"
                        f"#align(center, text(font: xiaobiaosong, weight: titleweight, size: {ER_HAO}pt)[{escape(d.arg)}])]\n")

    def d_unit(self, d) -> None:
        self.out.append(f"#align(center, par(first-line-indent: 0pt)[{escape(d.arg)}])\n")

    def d_pagebreak(self, _d) -> None:
        self.out.append("#pagebreak()\n")

    def d_toc(self, _d) -> None:
        out = self.out
        out.append("#pagebreak()\n#block(width: 100%, below: 16pt)[#set par(first-line-indent: 0pt)\n"
                   f"#align(center, text(font: xiaobiaosong, weight: titleweight, size: {ER_HAO}pt)[目　录])]\n")
        entries = [(h.level, h.full, h.anchor) for h in self.report.document.headings(2)]
        entries += [(1, f"附件{i}　{t.caption}", f"_TocAtt{i}") for i, t in enumerate(self.report.attachments, 1)]
        for level, text, anchor in entries:
            indent, font = ("0pt", "heiti") if level == 1 else (f"{2 * SAN_HAO}pt", "fangsong")
            out.append(f"#tocline(<{anchor}>, {indent}, {font})[{escape(text)}]\n")
        # The body starts on a new page, numbered from 1.
        out.append("#pagebreak()\n#counter(page).update(1)\n#metadata(none) <jx-body>\n")

    def d_scores(self, _d) -> None:
        self.placed(self.report.summary)

    def d_table(self, d) -> None:
        self.placed(self.report.tables[int(d.arg) - 1])

    def placed(self, t: Table) -> None:
        # A placed table is short (a score summary): kept on one page with its caption.
        self.out.append(f"#block(breakable: false, width: 100%)[#align(center, par(first-line-indent: 0pt)[#text(font: heiti, "
                        f"size: {XIAO_SI}pt)[{escape(t.caption)}]])\n{table(t)}]\n")

    def d_chart(self, _d) -> None:
        if self.chart:
            self.out.append(f"#align(center, image({string(self.chart)}, width: 140mm))\n")

    def d_attachments(self, _d) -> None:
        for i, t in enumerate(self.report.attachments, 1):
            head = "附件：" if i == 1 else "　　　"
            if i == 1:
                self.out.append(f"#v({LINE}pt)\n")
            self.out.append(f"#par[{escape(f'{head}{i}. {t.caption}')}]\n")

    def attachments(self) -> None:
        # The portrait type area turned sideways (225 × 156 mm); numbering continues from the body.
        self.out.append("#set page(flipped: true, margin: (top: 28mm, bottom: 26mm, left: 37mm, right: 35mm))\n"
                        "#show heading: it => block(sticky: true, width: 100%, above: 0pt, below: 0pt, par(first-line-indent: 0pt)"
                        "[#text(font: heiti, weight: \"regular\")[#it.body]])\n")
        for i, t in enumerate(self.report.attachments, 1):
            if i > 1:
                self.out.append("#pagebreak()\n")
            self.out.append(f"#heading(level: 1, outlined: false, bookmarked: true)[附件{i}] <_TocAtt{i}>\n")
            self.out.append(f"#block(width: 100%, above: 8pt, below: 12pt, sticky: true)[#set par(leading: {36 - ER_HAO}pt, "
                            "first-line-indent: 0pt, justify: false)\n#align(center, text(font: xiaobiaosong, "
                            f"weight: titleweight, size: {ER_HAO}pt)[{escape(t.caption)}])]\n")
            self.out.append(table(t) + "\n")


def table(t: Table) -> str:
    """A table with its spans; header rows repeat on every page; a row never splits (the reviewer's
    finding on the seed's 附件1), while a cell spanning rows may continue on the next page."""
    cols = ", ".join(f"{w:.2f}mm" for w in t.widths)
    parts = [f"#[#set text(size: {t.font_pt}pt)\n#set par(leading: 0.35em, spacing: 0.35em, first-line-indent: 0pt, "
             "justify: false)\n"
             f"#table(columns: ({cols},), inset: (x: 1mm, y: 2.5pt), align: center + horizon, stroke: 0.5pt,"]
    header = [_cell(c, True) for row in t.header for c in row if c is not None]
    if header:
        parts.append("  table.header(repeat: true, " + ", ".join(header) + "),")
    body = [_cell(c, False, t.min_row_mm) for row in t.body for c in row if c is not None]
    parts.append("  " + ", ".join(body) + ")]")
    return "\n".join(parts)


def _cell(c, header: bool, min_mm: float = 0.0) -> str:
    text = "#linebreak()".join(escape(line) for line in c.lines)
    if header:
        text = f"#text(font: heiti)[{text}]"
    elif c.bold:
        text = f"#strong[{text}]"
    if min_mm and not header:
        text = f"#block(height: {min_mm}mm - 5pt, width: 100%, align(horizon, [{text}]))"
    args = [f"rowspan: {c.rowspan}"] if c.rowspan > 1 else ["breakable: false"]
    if c.colspan > 1:
        args.append(f"colspan: {c.colspan}")
    if c.align == "left":
        args.append("align: left + horizon")
    return f"table.cell({', '.join(args)})[{text}]"


# -- compiling ----------------------------------------------------------------------------------

def write(report, path: Path, work: Path | None = None) -> None:
    """Lay out ``report`` and write its PDF to ``path``; the source and the chart are written to a
    folder under ``work`` (default: the temp folder), removed afterwards."""
    import typst

    found, _ = fonts()
    with tempfile.TemporaryDirectory(prefix="jixiao-typst-", dir=work) as tmp:
        folder = Path(tmp)
        chart = ""
        if report.chart:
            chart = "chart.png"
            (folder / chart).write_bytes(report.chart)
        source = folder / "report.typ"
        source.write_text(render(report, chart), encoding="utf-8")
        typst.compile(str(source), output=str(path), root=str(folder), font_paths=found, ignore_system_fonts=True)
