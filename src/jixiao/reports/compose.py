"""Drafting the report: the case's narrative and the computed figures, poured into a template.

The template (``templates/dept-report.md.j2``) holds the report's structure and the wording of
every generated sentence; :mod:`jixiao.reports.figures` supplies every number; the case's
``narrative:`` block supplies what only the department can write. This module joins the three
and reads the result into an :class:`~jixiao.reports.outline.Document`.

存在问题 and 改进措施 are drafted here from the points lost, largest loss first: the wording of
each problem and measure is kept per indicator in the framework (``advice:``), and the case may
override it or add more under ``narrative.存在问题`` (see ``docs/reports.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import jinja2

from jixiao.core.errors import InvalidInput
from jixiao.core.errors import Problem as InputProblem
from jixiao.core.evaluation import Evaluation
from jixiao.core.facts import Case
from jixiao.core.model import Framework
from jixiao.reports import outline
from jixiao.reports.figures import Figures, IndicatorView

TEMPLATE = "dept-report.md.j2"
OMIT = {"不列入", "略", "否", "false", "no"}
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


def before(value: NarrativeValue) -> Safe:
    """The paragraphs before the generated sentence; the last runs on into it (no paragraph break)."""
    return Safe(outline.escape("\n\n".join(value.before))) if value else Safe("")


def after(value: NarrativeValue) -> Safe:
    return Safe(outline.escape("\n\n".join(value.after))) if value else Safe("")


@dataclass
class ProblemItem:
    """One problem and the measure answering it, drafted from a loss or given by the case."""

    title: str
    finding: str  # the problem paragraph given by the case ("" → the template drafts it)
    measure: str
    measure_text: str
    indicator: IndicatorView | None = None

    @property
    def name(self) -> str:
        return self.indicator.name if self.indicator else ""


def problems(fig: Figures, narrative: dict) -> list[ProblemItem]:
    """存在问题 from points lost, largest loss first, with the case's overrides and additions."""
    given = narrative.get("存在问题") or {}
    if not isinstance(given, dict):
        given = {}
    out: list[ProblemItem] = []
    for view in fig.losses():
        over = _override(given, view)
        if over is False:
            continue
        advice = view.advice
        title = (advice.problem if advice else f"{view.name}有待改进")
        measure = (advice.measure if advice else f"提升{view.name}")
        detail = (advice.detail if advice else "")
        over = over if isinstance(over, dict) else {}
        out.append(ProblemItem(
            title=_one(over.get("问题")) or title,
            finding="\n\n".join(paragraphs(over.get("说明"))),
            measure=_one(over.get("措施")) or measure,
            measure_text="\n\n".join(paragraphs(over.get("措施说明"))) or _flat(detail)
            or f"将针对“{view.name}”指标的扣分原因逐项整改，{measure}。",
            indicator=view,
        ))
    for extra in given.get("补充") or []:
        if isinstance(extra, dict) and extra.get("问题"):
            out.append(ProblemItem(
                title=_one(extra.get("问题")),
                finding="\n\n".join(paragraphs(extra.get("说明"))),
                measure=_one(extra.get("措施")) or "",
                measure_text="\n\n".join(paragraphs(extra.get("措施说明"))),
            ))
    return out


def _override(given: dict, view: IndicatorView):
    for key in (view.name, view.id, view.id.rsplit(".", 1)[-1]):
        if key in given:
            v = given[key]
            if v is False or (isinstance(v, str) and v.strip().lower() in OMIT):
                return False
            return v
    return None


def _one(v) -> str:
    return " ".join(paragraphs(v)) if v else ""


def _flat(s: str) -> str:
    return _CJK_GAP.sub("", " ".join(str(s or "").split()))


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


def compose(fw: Framework, case: Case, ev: Evaluation, template: str = TEMPLATE) -> tuple[outline.Document, Figures, list[ProblemItem]]:
    """Render the template for one case and read it into a document outline."""
    check_narrative(case, fw)
    fig = Figures(fw, case, ev)
    narrative = case.narrative or {}
    items = problems(fig, narrative)
    n = Narrative(narrative)
    dept = str(narrative.get("部门名称") or case.subject)
    title = str(narrative.get("报告标题") or f"{case.year}年度部门整体绩效评价报告")
    context = {
        "year": case.year, "subject": case.subject, "dept": dept, "title": title,
        "f": fig.f, "m": fig.m, "quarters": fig.quarters, "ind": fig.ind, "total": fig.total, "grade": ev.grade,
        "ev": ev, "fw": fw, "losses": fig.losses(), "problems": items, "n": n, "lists": case.lists,
        "text": text, "before": before, "after": after, "keep": Safe, "has": lambda name: fw.find(name) is not None,
    }
    markup = environment().get_template(template).render(**context)
    doc = outline.Document(outline.parse(markup), title=title, unit=dept)
    return doc, fig, items

