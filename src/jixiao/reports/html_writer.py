"""The report as one standalone HTML file: inline CSS, the chart embedded, printable on A4.

Nothing is loaded from elsewhere (no fonts, scripts or images by URL), so the file can be mailed
or archived as it is. Printing uses the official margins, “— N —” page numbers where the browser
supports page margin boxes, and a landscape page for the 附件 table (CSS named pages).
"""

from __future__ import annotations

import base64
import html
from importlib import resources
from pathlib import Path

from jixiao.reports import outline
from jixiao.reports.tables import Table


def esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def css() -> str:
    return (resources.files("jixiao.reports") / "templates" / "report.css").read_text(encoding="utf-8")


def write(report, path: Path) -> None:
    path.write_text(render(report), encoding="utf-8")


def render(report) -> str:
    doc = report.document
    out = ['<!DOCTYPE html>', '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<meta name="generator" content="jixiao">', f"<title>{esc(doc.title)}</title>",
           f"<style>\n{css()}</style>", "</head>", "<body>", '<div class="sheet">']
    cover = False
    for block in doc.blocks:
        name = getattr(block, "name", "")
        if cover and name not in ("unit",):
            out.append("</div>")  # the cover ends before whatever follows the title and unit
            cover = False
        out.append(_block(block, report))
        cover = cover or name == "title"
    if cover:
        out.append("</div>")
    meta = getattr(report, "meta", "")  # a cycle document (事前评估报告) says what made it itself
    out.append(f'<p class="meta">{esc(meta)}。</p>' if meta else '<p class="meta">本报告由 jixiao 根据案例事实与评分结果生成：'
               f"指标体系 {esc(report.figures.ev.framework)}，版本指纹 {esc(report.figures.ev.edition_hash[:16])}。"
               "文中数字均由事实计算，打印时使用 A4 纸张。</p>")
    out.append("</div>")
    for i, t in enumerate(report.attachments, 1):
        out.append(f'<div class="sheet landscape attachment" id="attachment-{i}">')
        out.append(f'<p class="label">附件{i}</p>')
        out.append(f"<h2>{esc(t.caption)}</h2>")
        out.append(table(t, caption=False))
        out.append("</div>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _runs(para: outline.Para) -> str:
    body = "".join(f"<strong>{esc(r.text)}</strong>" if r.bold else esc(r.text) for r in para.runs)
    return esc(para.lead) + body


def _block(b, report) -> str:
    if isinstance(b, outline.Heading):
        tag = f"h{min(b.level + 1, 5)}"
        return f'<{tag} class="l{b.level}" id="{b.anchor}">{esc(b.full)}</{tag}>'
    if isinstance(b, outline.Para):
        style = ' style="text-align:left"' if b.align == "left" else (
            f' style="text-align:{b.align};text-indent:0"' if b.align else "")
        return f"<p{style}>{_runs(b)}</p>"
    name = b.name
    if name == "title":
        return f'<div class="cover"><h1>{esc(b.arg)}</h1>'
    if name == "unit":
        return f"<p>{esc(b.arg)}</p>"
    if name == "toc":
        items = [f'<a class="t{h.level}" href="#{h.anchor}">{esc(h.full)}</a>' for h in report.document.headings(2)]
        items += [f'<a class="t1" href="#attachment-{i}">附件{i}　{esc(t.caption)}</a>'
                  for i, t in enumerate(report.attachments, 1)]
        return '<nav class="toc"><h2>目　录</h2>\n' + "\n".join(items) + "\n</nav>"
    if name == "pagebreak":
        return '<div style="break-after:page"></div>'
    if name == "scores":
        return table(report.summary)
    if name == "table":
        return table(report.tables[int(b.arg) - 1])
    if name == "chart":
        data = base64.b64encode(report.chart).decode("ascii")
        return (f'<figure><img alt="一级、二级指标得分与参考分值对比" src="data:image/png;base64,{data}">'
                "</figure>")
    if name == "attachments":
        if not report.attachments:
            return ""
        items = "<br>".join(f"{'附件：' if i == 1 else '　　　'}{i}. {esc(t.caption)}"
                            for i, t in enumerate(report.attachments, 1))
        return f'<p style="margin-top:28.95pt">{items}</p>'
    return ""


def table(t: Table, caption: bool = True) -> str:
    cols = "".join(f'<col style="width:{w / sum(t.widths) * 100:.2f}%">' for w in t.widths)
    out = [f'<p class="caption">{esc(t.caption)}</p>' if caption else "", f"<table><colgroup>{cols}</colgroup>", "<thead>"]
    for row in t.header:
        out.append("<tr>" + "".join(_cell(c, "th") for c in row if c is not None) + "</tr>")
    out.append("</thead><tbody>")
    for row in t.body:
        out.append("<tr>" + "".join(_cell(c, "td") for c in row if c is not None) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _cell(c, tag: str) -> str:
    span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
    cls = ' class="left"' if c.align == "left" else ""
    text = "<br>".join(esc(line) for line in c.lines)
    if c.bold and tag == "td":
        text = f"<strong>{text}</strong>"
    return f"<{tag}{span}{cls}>{text}</{tag}>"
