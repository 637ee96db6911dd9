"""Drafting the report: the case's narrative and the computed figures, poured into an outline.

The outline belongs to the edition (``outline.yaml`` beside its framework, read by
:mod:`jixiao.reports.edition_outline`): its template holds the report's structure and its
sentences the wording written from figures. An edition without one gets the generic report,
built from its own indicator tree (``templates/generic.md.j2``, :mod:`jixiao.reports.generic`).
:mod:`jixiao.reports.figures` supplies every number; the case's ``narrative:`` block supplies
what only the department can write; :mod:`jixiao.reports.findings` writes 存在问题 and 改进措施
from the points lost and checks the narrative against the figures.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import jinja2

from jixiao.core.errors import InvalidInput
from jixiao.core.errors import Problem as InputProblem
from jixiao.core.evaluation import Evaluation
from jixiao.core.facts import Case
from jixiao.core.model import Framework
from jixiao.reports import findings, generic, outline
from jixiao.reports.edition_outline import Outline, outline_for
from jixiao.reports.figures import Figures
from jixiao.reports.findings import ProblemItem, _flat  # ProblemItem: callers import it from here

GENERIC = "generic.md.j2"
# What a filed report must never print: a figure the case does not have.
MISSING_MARKS = ("（缺）", "（无法计算）")
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t\n]+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


class Safe(str):
    """Text already escaped for the outline markup (helpers return it; ``finalize`` passes it)."""


def finalize(value) -> str:
    if isinstance(value, Safe):
        return value
    if value is None:
        return ""
    return outline.escape(str(value))


def paragraphs(value) -> list[str]:
    """A narrative value as paragraphs: a string (blank lines split it) or a list of strings.

    Line breaks between Chinese characters (a YAML folded string leaves spaces there) are removed.
    """
    if value is None or value is False:
        return []
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            out.extend(paragraphs(item))
        return out
    if isinstance(value, dict):
        return paragraphs(value.get("前")) + paragraphs(value.get("后"))
    text = str(value).strip()
    return [_CJK_GAP.sub("", p).strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


class NarrativeValue:
    """One narrative entry: paragraphs before the generated text (前) and after it (后)."""

    def __init__(self, key: str, raw):
        self.key = key
        self.raw = raw
        if isinstance(raw, dict) and ("前" in raw or "后" in raw):
            self.before, self.after = paragraphs(raw.get("前")), paragraphs(raw.get("后"))
        else:
            self.before, self.after = paragraphs(raw), []

    @property
    def paragraphs(self) -> list[str]:
        return self.before + self.after

    def __bool__(self) -> bool:
        return bool(self.before or self.after)

    def __str__(self) -> str:
        return "\n\n".join(self.paragraphs)

    def get(self, key, default=None):
        return self.raw.get(key, default) if isinstance(self.raw, dict) else default


class Narrative:
    """The case's ``narrative:`` mapping, read by templates as ``n.主要职能``."""

    def __init__(self, raw: dict):
        self.raw = raw or {}

    def __getattr__(self, key: str) -> NarrativeValue:
        if key.startswith("_"):
            raise AttributeError(key)
        return NarrativeValue(key, self.raw.get(key))

    __getitem__ = __getattr__


def text(value, what: str = "") -> Safe:
    """All paragraphs of a narrative value; a visible 待填写 note when the case leaves it out."""
    paras = value.paragraphs if isinstance(value, NarrativeValue) else paragraphs(value)
    if not paras:
        if not what:
            return Safe("")
        key = value.key if isinstance(value, NarrativeValue) else what
        return Safe(outline.escape(f"【待填写：{what}（案例文件 narrative.{key}）】"))
    return Safe(outline.escape("\n\n".join(paras)))


_BOLD_HEADING = re.compile(r"^\*\*[（(]\d+[）)]\s*(.+?)\*\*$")


def headed(value, what: str = "") -> Safe:
    """Like :func:`text`, but a paragraph that is only a bold “（1）社会效益方面” becomes a real level-4
    heading (numbered （1） by the outline), so Word's navigation and the 目录 see it."""
    paras = value.paragraphs if isinstance(value, NarrativeValue) else paragraphs(value)
    if not paras:
        return text(value, what)
    out = []
    for p in paras:
        m = _BOLD_HEADING.match(p.strip())
        out.append(f"#### {outline.escape(m.group(1)).lstrip(chr(92))}" if m else outline.escape(p))
    return Safe("\n\n".join(out))


def before(value: NarrativeValue) -> Safe:
    """The paragraphs before the generated sentence; the last runs on into it (no paragraph break)."""
    return Safe(outline.escape("\n\n".join(value.before))) if value else Safe("")


def after(value: NarrativeValue) -> Safe:
    return Safe(outline.escape("\n\n".join(value.after))) if value else Safe("")


@lru_cache(maxsize=4)
def environment() -> jinja2.Environment:
    source = resources.files("jixiao.reports") / "templates"
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(source)),
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=512)
def compiled(source: str) -> jinja2.Template:
    """An outline's template or sentence, compiled once: a batch drafts the same edition's outline
    hundreds of times, and compiling it took more time than rendering it."""
    return environment().from_string(source)


def check_narrative(case: Case, fw: Framework) -> None:
    """``narrative.存在问题`` must be a mapping keyed by indicators; say what is wrong before drafting."""
    given = (case.narrative or {}).get("存在问题")
    if given is None:
        return
    where = f"{case.source} narrative.存在问题" if case.source else "narrative.存在问题"
    if not isinstance(given, dict):
        raise InvalidInput("案例文件有误", [InputProblem(
            "E-IN-NARRATIVE", "narrative.存在问题 应为键值映射：指标名称: {问题, 说明, 措施, 措施说明}，或 补充: [...]", where)])
    known = {i.name for i in fw.walk()} | {i.id for i in fw.walk()} | {i.id.rsplit(".", 1)[-1] for i in fw.walk()}
    unknown = [str(k) for k in given if k != "补充" and str(k) not in known]
    if unknown:
        raise InvalidInput("案例文件有误", [InputProblem(
            "E-IN-NARRATIVE", f"narrative.存在问题 中的“{k}”不是指标体系中的指标名称；请使用附件1中的三级指标名称",
            f"{where}.{k}") for k in unknown])


def compose(fw: Framework, case: Case, ev: Evaluation, outline_: Outline | None = None,
            ) -> tuple[outline.Document, Figures, list[ProblemItem], list[str]]:
    """Render the edition's outline (or the generic one) for one case into a document outline.

    Returns the document, the figures, the problems and the review notes (narrative sentences a
    computed figure contradicts)."""
    check_narrative(case, fw)
    plan = outline_ if outline_ is not None else outline_for(fw)
    fig = Figures(fw, case, ev)
    narrative = case.narrative or {}
    n = Narrative(narrative)
    dept = str(narrative.get("部门名称") or case.subject)
    title = str(narrative.get("报告标题") or f"{case.year}年度部门整体绩效评价报告")
    review = findings.narrative_warnings(fig)
    context = {
        "year": case.year, "subject": case.subject, "dept": dept, "title": title,
        "f": fig.f, "m": fig.m, "quarters": fig.quarters, "ind": fig.ind, "total": fig.total, "grade": ev.grade,
        "ev": ev, "fw": fw, "losses": fig.losses(), "n": n, "lists": case.lists,
        "text": text, "headed": headed, "before": before, "after": after, "keep": Safe, "has": lambda name: fw.find(name) is not None,
        "review": review,
    }
    env = environment()
    sentences = {}
    for name, source in plan.sentences.items():
        if fw.find(str(name)) is None:
            continue
        said = _flat(compiled(str(source)).render(**context))
        if said and not any(mark in said for mark in MISSING_MARKS):
            sentences[str(name)] = Safe(outline.escape(said))
    items = findings.problems(fig, narrative, plan, {k: str(v) for k, v in sentences.items()})
    context["problems"] = items
    context["sentence"] = sentences
    if plan.generic:
        context["tree"] = generic.tree(fig, sentences)
        context["money"] = generic.money(fig)
        context["extra_sections"] = [(k, v) for k, v in plan.narrative.items() if n[k]]
        markup = env.get_template(GENERIC).render(**context)
    else:
        markup = compiled(plan.template).render(**context)
    _no_missing_figures(markup, case)
    doc = outline.Document(outline.parse(markup), title=title, unit=dept)
    return doc, fig, items, review


def _no_missing_figures(markup: str, case: Case) -> None:
    """A filed report never prints （缺）: a missing figure is the user's to fill in before drafting."""
    bad = [line.strip() for line in markup.splitlines() if any(mark in line for mark in MISSING_MARKS)]
    if bad:
        where = case.source or "案例文件"
        raise InvalidInput("报告缺少数据", [InputProblem(
            "E-REPORT-MISSING", f"报告中这句话缺少数据：“{line[:80]}”；请在案例文件中补充相应事实后重试", where)
            for line in bad[:5]])
