"""The report as DOCX in the official document style (GB/T 9704-2012, as far as it applies).

* A4, margins 37 mm top, 35 mm bottom, 28 mm left (订口), 26 mm right: a 156 × 225 mm type area;
* title 方正小标宋简体 二号; body 仿宋_GB2312 三号, fixed 28.95 pt lines (22 lines a page),
  first lines indented two characters; 一级标题 黑体, 二级标题 楷体_GB2312, 三级标题 仿宋 bold;
* page numbers “— N —” in 宋体 四号, outside edge (odd pages right, even pages left), from the
  first page of the body; the cover and 目录 are not numbered;
* 附件 tables in a landscape section whose header rows repeat on every page.

Fonts are named in every slot: ``w:eastAsia`` carries the Chinese font (Word and LibreOffice
pick it for Chinese text); ``w:ascii``/``w:hAnsi`` carry Times New Roman for digits and Latin.
The 目录 lists each heading with a ``PAGEREF`` field to a bookmark on it, so LibreOffice (and
Word, on F9) computes the page numbers; ``pages`` fills in the cached numbers Word shows before
its first update. All text passes through :func:`clean`, and python-docx escapes ``& < >``.
"""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.simpletypes import ST_Merge
from docx.shared import Length, Mm, Pt
from docx.text.run import Run

from jixiao.reports import outline
from jixiao.reports.tables import Table

FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
LATIN = "Times New Roman"

ER_HAO, SAN_HAO, SI_HAO, XIAO_SI, WU_HAO = 22, 16, 14, 12, 10.5
LINE = Pt(28.95)  # 225 mm ÷ 22 lines
TYPE_WIDTH = Mm(156)

# (style name, east-asian font, size, bold)
HEADINGS = {1: ("Heading 1", HEITI, SAN_HAO, False), 2: ("Heading 2", KAITI, SAN_HAO, False),
            3: ("Heading 3", FANGSONG, SAN_HAO, True), 4: ("Heading 4", FANGSONG, SAN_HAO, False)}

# Elements that must follow w:pgNumType in w:sectPr, and w:updateFields in w:settings.
SECTPR_AFTER_PGNUM = ("w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi",
                      "w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange")
SETTINGS_AFTER_UPDATE = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids",
                         "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
                         "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions",
                         "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults",
                         "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator")

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """Text safe for XML: characters XML 1.0 forbids are dropped (python-docx escapes & < >)."""
    return _INVALID_XML.sub("", str(text))


def write(report, path: Path, pages: dict[str, str] | None = None) -> Written:
    """Write ``report`` (a :class:`jixiao.reports.build.Report`) to ``path``.

    Returns the document still open, so the 目录's page numbers can be filled in once a PDF has
    been laid out (:meth:`Written.number`) without building it again.
    """
    doc = Document()
    _styles(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    cover = doc.sections[0]
    _page(cover, landscape=False)
    props = doc.core_properties
    props.title, props.author = clean(report.document.title), clean(report.document.unit)
    props.subject = getattr(report, "subject", "") or "部门整体支出绩效评价报告"
    meta = getattr(report, "meta", "")  # a cycle document (事前评估报告) says what made it itself
    props.comments = meta or f"由 jixiao 根据案例事实与评分结果生成；指标体系 {report.figures.ev.framework}（{report.figures.ev.edition_hash[:12]}）"

    w = _Writer(doc, report)
    for block in report.document.blocks:
        w.block(block)
    if report.attachments:
        w.attachments()
    body = doc.element.body
    # python-docx's template opens with an empty paragraph; the cover starts on it.
    first = body[0]
    if first.tag == qn("w:p") and not first.xpath(".//w:t"):
        body.remove(first)
    out = Written(doc, w.toc_fields, path)
    out.number(pages or {})
    return out


def write_form(form, path: Path) -> None:
    """A printed form (a :class:`jixiao.reports.target_sheet.FormSheet`): its title and year, the
    line naming who fills it in and the money unit, and its one table — on the same A4 page and in
    the same fonts as the report; the table's cells in 五号 仿宋, single-spaced."""
    doc = Document()
    _styles(doc)
    _page(doc.sections[0], landscape=False)
    props = doc.core_properties
    props.title, props.subject, props.comments = clean(form.title), clean(form.subject), clean(form.meta)
    w = _Writer(doc, form)
    w.add(clean(form.title), "Title")
    if form.subtitle:
        p = doc.add_paragraph(clean(form.subtitle))
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _no_indent(p)
    line = doc.add_paragraph()
    _no_indent(line)
    line.paragraph_format.tab_stops.add_tab_stop(TYPE_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    line.paragraph_format.space_before = Pt(6)
    for text in (form.left, "\t", form.right):
        run = line.add_run(clean(text))  # python-docx writes the tab as w:tab
        run.font.size = Pt(XIAO_SI)
    w.table(form.table, repeat_header=True)
    body = doc.element.body
    first = body[0]
    if first.tag == qn("w:p") and not first.xpath(".//w:t"):
        body.remove(first)
    doc.save(str(path))


class Written:
    """A written DOCX, kept open to fill in the 目录's cached page numbers."""

    def __init__(self, doc, toc_fields: list, path: Path):
        self.doc, self.toc_fields, self.path = doc, toc_fields, path
        self.update = None

    def number(self, pages: dict[str, str]) -> None:
        """Set the number Word shows for each 目录 entry before its fields are updated, and save.

        Without numbers for every entry, Word is asked to compute them when the file is opened.
        """
        complete = bool(self.toc_fields) and all(anchor in pages for anchor, _ in self.toc_fields)
        for anchor, separate in self.toc_fields:
            old = separate.getnext()
            if old is not None and old.find(qn("w:t")) is not None:
                old.getparent().remove(old)
            if complete:
                separate.addnext(_run(pages[anchor]))
        if self.update is not None:
            self.update.getparent().remove(self.update)
            self.update = None
        if not complete and self.toc_fields:
            self.update = _update_fields_on_open(self.doc)
        self.doc.save(str(self.path))


class _Writer:
    def __init__(self, doc, report):
        self.doc, self.report = doc, report
        self.toc_fields: list[tuple[str, object]] = []  # (bookmark, the field's "separate" run)
        self.bookmark = 0
        self.in_body = False
        # Style ids looked up once: python-docx scans every style on each lookup by name.
        self.ids = {st.name: st.style_id for st in doc.styles}
        self.cell_props: dict = {}  # table paragraph and run properties by look (see _fill)
        self.run_props: dict = {}

    def add(self, text: str = "", style: str = ""):
        """A new body paragraph in ``style`` (by name)."""
        p = self.doc.add_paragraph(text)
        if style:
            p._p.style = self.ids[style]
        return p

    # -- blocks --------------------------------------------------------------------------------

    def block(self, b) -> None:
        if isinstance(b, outline.Heading):
            self.heading(b)
        elif isinstance(b, outline.Para):
            self.para(b)
        elif isinstance(b, outline.Directive):
            getattr(self, "d_" + b.name)(b)

    def heading(self, h: outline.Heading) -> None:
        style = HEADINGS[min(h.level, 4)][0]
        p = self.add(style=style)
        self._bookmark(p, h.anchor, h.full)

    def para(self, b: outline.Para) -> None:
        p = self.doc.add_paragraph()
        if b.align == "left":
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT  # a formula line: justified, its spaces stretched
        elif b.align:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if b.align == "center" else WD_ALIGN_PARAGRAPH.RIGHT
            _no_indent(p)
        if b.lead:
            p.add_run(clean(b.lead))
        for r in b.runs:
            _text(p, r.text, bold=r.bold)

    def d_title(self, d) -> None:
        for _ in range(3):
            _no_indent(self.doc.add_paragraph())
        p = self.add(clean(d.arg), "Title")
        p.paragraph_format.space_after = Pt(60)

    def d_unit(self, d) -> None:
        p = self.doc.add_paragraph(clean(d.arg))
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _no_indent(p)

    def d_center(self, d) -> None:  # pragma: no cover - outline turns ::center into a Para
        self.para(outline.Para(outline.inline(d.arg), align="center"))

    def d_pagebreak(self, _d) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def d_toc(self, _d) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        p = self.add("目　录", "Title")
        p.paragraph_format.space_after = Pt(16)
        entries = [(h.level, h.full, h.anchor) for h in self.report.document.headings(2)]
        entries += [(1, f"附件{i}　{t.caption}", f"_TocAtt{i}") for i, t in enumerate(self.report.attachments, 1)]
        for level, text, anchor in entries:
            p = self.add(style=f"toc {min(level, 2)}")
            link = OxmlElement("w:hyperlink")
            link.set(qn("w:anchor"), anchor)
            link.set(qn("w:history"), "1")
            p._p.append(link)
            for r in (_run(clean(text)), _run("\t")):
                link.append(r)
            self.toc_fields.append((anchor, _field(link, f" PAGEREF {anchor} \\h ", "")))
        # The body starts a new section whose page numbers count from 1.
        body = self.doc.add_section(WD_SECTION.NEW_PAGE)
        _page(body, landscape=False)
        pg = OxmlElement("w:pgNumType")
        pg.set(qn("w:start"), "1")
        _insert(body._sectPr, pg, SECTPR_AFTER_PGNUM)
        _footers(body)
        self.in_body = True

    def d_scores(self, _d) -> None:
        self.table(self.report.summary)

    def d_table(self, d) -> None:
        self.table(self.report.tables[int(d.arg) - 1])
        # A placed table is short (a score summary, the signatures): kept on one page with its
        # caption, every row's paragraphs kept with the next row.
        rows = self.doc.tables[-1].rows
        for row in list(rows)[:-1]:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True

    def d_chart(self, _d) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _no_indent(p)
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        p.add_run().add_picture(io.BytesIO(self.report.chart), width=Mm(140))

    def d_attachments(self, _d) -> None:
        if not self.report.attachments:
            return
        for i, t in enumerate(self.report.attachments, 1):
            head = "附件：" if i == 1 else "　　　"
            p = self.doc.add_paragraph(clean(f"{head}{i}. {t.caption}"))
            if i == 1:
                p.paragraph_format.space_before = LINE

    def attachments(self) -> None:
        sec = self.doc.add_section(WD_SECTION.NEW_PAGE)
        _page(sec, landscape=True)
        for pg in sec._sectPr.findall(qn("w:pgNumType")):
            sec._sectPr.remove(pg)  # numbering continues from the body
        for i, t in enumerate(self.report.attachments, 1):
            if i > 1:
                self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            p = self.add(style="Attachment Label")
            self._bookmark(p, f"_TocAtt{i}", f"附件{i}")
            self.add(clean(t.caption), "Attachment Title")
            self.table(t, repeat_header=True)

    # -- tables --------------------------------------------------------------------------------

    def table(self, t: Table, repeat_header: bool = False) -> None:
        rows = list(t.rows())
        if not repeat_header:
            cap = self.add(clean(t.caption), "Table Caption")
            cap.paragraph_format.keep_with_next = True
        table = self.doc.add_table(rows=len(rows), cols=t.columns)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        tblPr = table._tbl.tblPr
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            m = OxmlElement(f"w:{side}")
            m.set(qn("w:w"), str(int(Mm(1).twips)))
            m.set(qn("w:type"), "dxa")
            margins.append(m)
        _insert(tblPr, margins, ("w:tblLook", "w:tblCaption", "w:tblDescription"))
        for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), t.widths):
            col.set(qn("w:w"), str(int(Mm(width).twips)))
        # Widths and row flags straight on the XML: python-docx recomputes the whole grid for
        # every cell it hands out, which is quadratic in the table's size.
        for r, tr in enumerate(table._tbl.tr_lst):
            trPr = tr.get_or_add_trPr()
            # Every row stays on one page: a scoring standard split across two pages is hard to
            # read (the reviewer's finding on the seed's 附件1); Word ignores it for a row taller
            # than a page.
            trPr.append(OxmlElement("w:cantSplit"))
            if r < len(t.header) and repeat_header:
                trPr.append(OxmlElement("w:tblHeader"))
            for tc, width in zip(tr.tc_lst, t.widths):
                tc.width = Mm(width)
        if t.min_row_mm:
            for row in list(table.rows)[len(t.header):]:
                row.height = Mm(t.min_row_mm)  # python-docx's default rule: at least this tall
        flat = table._cells
        cells = [flat[r * t.columns:(r + 1) * t.columns] for r in range(len(rows))]
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                if cell.rowspan > 1 or cell.colspan > 1:
                    _merge(cells, r, c, cell.rowspan, cell.colspan)
                self._fill(cells[r][c], cell, t.font_pt, r < len(t.header))

    def _fill(self, target, cell, size: float, header: bool) -> None:
        # A table has hundreds of cells in a few looks: each look's paragraph and run properties
        # are made once through python-docx and copied after, which gives the same XML without
        # its schema lookups for every property of every run.
        vAlign = OxmlElement("w:vAlign")  # the last of w:tcPr's children written here
        vAlign.set(qn("w:val"), "center")
        target._tc.get_or_add_tcPr().append(vAlign)
        bold = not header and cell.bold
        east = HEITI if header else FANGSONG
        first = True
        for line in cell.lines:
            p = target.paragraphs[0] if first else target.add_paragraph()
            first = False
            look = cell.align == "left"
            props = self.cell_props.get(look)
            if props is None:
                p._p.style = self.ids["Table Text"]
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT if look else WD_ALIGN_PARAGRAPH.CENTER
                self.cell_props[look] = copy.deepcopy(p._p.pPr)
            else:
                p._p.insert(0, copy.deepcopy(props))
            for i, part in enumerate(_QUOTES.split(clean(line))):
                if not part:
                    continue
                run = _add_run(p, part)
                key = (bool(i % 2), bold, size, header)
                props = self.run_props.get(key)
                if props is None:
                    _style_run(run, key[0], bold, east)
                    run.font.size = Pt(size)
                    if header:
                        _fonts(run._r.get_or_add_rPr(), HEITI)
                    self.run_props[key] = copy.deepcopy(run._r.rPr)
                else:
                    run._r.insert(0, copy.deepcopy(props))

    # -- helpers -------------------------------------------------------------------------------

    def _bookmark(self, p, name: str, text: str) -> None:
        self.bookmark += 1
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(self.bookmark))
        start.set(qn("w:name"), name)
        p._p.append(start)
        p.add_run(clean(text))
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self.bookmark))
        p._p.append(end)


def _merge(cells, r: int, c: int, rowspan: int, colspan: int) -> None:
    """Merge the empty cells ``rowspan`` × ``colspan`` from ``cells[r][c]`` into one, as
    python-docx's ``_Cell.merge`` does (the same XML: widths added, ``w:gridSpan`` on each row's
    first cell, ``w:vMerge`` restart/continue), but straight on the cells already at hand:
    python-docx locates each one again through the whole grid, which made 附件1 and the score
    table the slowest part of a report's DOCX."""
    for k in range(rowspan):
        tc = cells[r + k][c]._tc
        for _ in range(colspan - 1):
            swallowed = tc.getnext()
            if tc.width and swallowed.width:
                tc.width = Length(tc.width + swallowed.width)
            tc.grid_span += swallowed.grid_span
            tc.getparent().remove(swallowed)
        if rowspan > 1:
            tc.vMerge = ST_Merge.RESTART if k == 0 else ST_Merge.CONTINUE


# -- styles ------------------------------------------------------------------------------------

def _fonts(rPr, east: str, latin: str = LATIN) -> None:
    """Name the font in every slot (the East Asian one too) and drop theme fonts that override them."""
    rFonts = rPr.get_or_add_rFonts()
    for attr in list(rFonts.attrib):
        if attr.endswith(("Theme", "}hint")):
            del rFonts.attrib[attr]
    rFonts.set(qn("w:ascii"), latin)
    rFonts.set(qn("w:hAnsi"), latin)
    rFonts.set(qn("w:eastAsia"), east)
    rFonts.set(qn("w:cs"), latin)


def _lang(rPr) -> None:
    lang = rPr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rPr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style_font(style, east: str, size: float, bold: bool = False, latin: str = LATIN) -> None:
    rPr = style.element.get_or_add_rPr()
    for tag in ("w:color", "w:i", "w:iCs", "w:caps", "w:spacing", "w:kern"):
        for el in rPr.findall(qn(tag)):
            rPr.remove(el)
    _fonts(rPr, east, latin)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False


def _document_paragraph(style):
    """Body text and headings alike: justified, fixed line spacing, no extra space, two-character indent."""
    pf = style.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE
    pf.space_before = pf.space_after = Pt(0)
    _indent_chars(style.element, 2)
    return pf


def _indent_chars(pf_owner, chars: int) -> None:
    """First-line indent of ``chars`` characters, in both the char and the twip attributes."""
    ind = pf_owner.get_or_add_pPr().get_or_add_ind()  # python-docx keeps the schema's order
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(int(chars * SAN_HAO * 20)))


def _styles(doc) -> None:
    styles = doc.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rPr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _fonts(rPr, FANGSONG)
    _lang(rPr)

    normal = styles["Normal"]
    _style_font(normal, FANGSONG, SAN_HAO)
    _lang(normal.element.get_or_add_rPr())
    pf = _document_paragraph(normal)
    pf.widow_control = True

    for name, east, size, bold in HEADINGS.values():
        st = styles[name]
        _style_font(st, east, size, bold)
        _document_paragraph(st).keep_with_next = True

    title = styles["Title"]
    pPr = title.element.get_or_add_pPr()
    for el in pPr.findall(qn("w:pBdr")):
        pPr.remove(el)
    _style_font(title, XIAOBIAOSONG, ER_HAO)
    tf = title.paragraph_format
    tf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    tf.line_spacing = Pt(36)
    tf.first_line_indent = Pt(0)
    tf.space_before = Pt(0)

    for level in (1, 2):
        st = styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = normal
        st.paragraph_format.first_line_indent = Pt(0)
        st.paragraph_format.left_indent = Pt(0 if level == 1 else SAN_HAO * 2)
        st.paragraph_format.tab_stops.add_tab_stop(TYPE_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        _style_font(st, HEITI if level == 1 else FANGSONG, SAN_HAO)

    label = styles.add_style("Attachment Label", WD_STYLE_TYPE.PARAGRAPH)
    label.base_style = normal
    _style_font(label, HEITI, SAN_HAO)
    label.paragraph_format.first_line_indent = Pt(0)
    label.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    # 附件1 is a level-1 entry of the document's outline (Word's navigation pane), like the chapters.
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "0")
    _insert(label.element.get_or_add_pPr(), level, ("w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"))

    att = styles.add_style("Attachment Title", WD_STYLE_TYPE.PARAGRAPH)
    att.base_style = title
    att.paragraph_format.space_before = Pt(8)
    att.paragraph_format.space_after = Pt(12)
    att.paragraph_format.keep_with_next = True

    cap = styles.add_style("Table Caption", WD_STYLE_TYPE.PARAGRAPH)
    cap.base_style = normal
    _style_font(cap, HEITI, XIAO_SI)
    cap.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cap.paragraph_format.first_line_indent = Pt(0)
    cap.paragraph_format.space_before = Pt(6)

    cell = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    _style_font(cell, FANGSONG, WU_HAO)
    cf = cell.paragraph_format
    cf.first_line_indent = Pt(0)
    cf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cf.space_before = cf.space_after = Pt(1)
    ind = cell.element.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), "0")
        ind.set(qn("w:firstLine"), "0")

    foot = styles["Footer"]
    _style_font(foot, SONGTI, SI_HAO, latin=SONGTI)


_QUOTES = re.compile(r"([“”‘’])")


def _text(p, text: str, bold: bool = False, east: str = FANGSONG) -> list:
    """Add ``text`` as runs; Chinese quotation marks get the Chinese font in every slot.

    “ ” ‘ ’ are shared with Western text, so Word and LibreOffice would draw them in the Latin
    font (narrow, spaced oddly beside Chinese); their own run with the East Asian font (and
    Word's eastAsia hint) keeps them full-width.
    """
    runs = []
    for i, part in enumerate(_QUOTES.split(clean(text))):
        if not part:
            continue
        run = _add_run(p, part)
        _style_run(run, bool(i % 2), bold, east)
        runs.append(run)
    return runs


def _style_run(run, quote: bool, bold: bool, east: str) -> None:
    if bold:
        run.bold = True
    if quote:
        rPr = run._r.get_or_add_rPr()
        _fonts(rPr, east, latin=east)
        rPr.rFonts.set(qn("w:hint"), "eastAsia")


def _add_run(p, text: str):
    """``p.add_run(text)`` for text without tabs or line breaks, built as XML in one step: the
    same ``w:r``/``w:t`` python-docx writes, without its character-by-character scan."""
    if "\t" in text or "\n" in text or "\r" in text:
        return p.add_run(text)
    r = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    if len(text.strip()) < len(text):
        t.set(qn("xml:space"), "preserve")  # what python-docx's CT_R.add_t does
    r.append(t)
    p._p.append(r)  # a paragraph's runs come last: python-docx's add_r appends too
    return Run(r, p)


def _no_indent(p) -> None:
    p.paragraph_format.first_line_indent = Pt(0)
    ind = p._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), "0")


def _page(section, landscape: bool) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        # The portrait type area turned sideways: 225 × 156 mm.
        section.top_margin, section.bottom_margin = Mm(28), Mm(26)
        section.left_margin, section.right_margin = Mm(37), Mm(35)
        section.footer_distance = Mm(12)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        # The page number's dashes sit 7 mm below the type area.
        section.footer_distance = Mm(22)
    section.header_distance = Mm(15)
    section.gutter = Mm(0)


def _footers(section) -> None:
    """Page numbers “— N —”: odd pages at the right, even pages at the left, one character in."""
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = "Footer"
        pf = p.paragraph_format
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
        pf.first_line_indent = Pt(0)
        if odd:
            pf.right_indent = Pt(SI_HAO)
        else:
            pf.left_indent = Pt(SI_HAO)
        p.add_run("— ")
        _field(p._p, " PAGE ", "1")
        p.add_run(" —")


def _run(text: str):
    r = OxmlElement("w:r")
    if text == "\t":
        r.append(OxmlElement("w:tab"))
    else:
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = text
        r.append(t)
    return r


def _field(parent, instruction: str, cached: str):
    """A complex field (PAGE, PAGEREF …) with its cached result, appended to a paragraph or link.

    Returns the run holding the "separate" mark, after which the cached result goes.
    """
    separate = None
    for kind in ("begin", "instr", "separate", "result", "end"):
        r = OxmlElement("w:r")
        if kind == "instr":
            t = OxmlElement("w:instrText")
            t.set(qn("xml:space"), "preserve")
            t.text = instruction
            r.append(t)
        elif kind == "result":
            if not cached:
                continue
            t = OxmlElement("w:t")
            t.text = cached
            r.append(t)
        else:
            fc = OxmlElement("w:fldChar")
            fc.set(qn("w:fldCharType"), kind)
            r.append(fc)
            if kind == "separate":
                separate = r
        parent.append(r)
    return separate


def _update_fields_on_open(doc):
    """Without known page numbers, ask Word to compute the 目录's numbers when the file is opened."""
    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    _insert(doc.settings.element, el, SETTINGS_AFTER_UPDATE)
    return el


def _insert(parent, child, successors: tuple[str, ...]) -> None:
    """Insert ``child`` before the first of ``successors`` present, keeping the schema's order
    (Word refuses a file whose elements are out of order)."""
    for tag in successors:
        found = parent.find(qn(tag))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)
