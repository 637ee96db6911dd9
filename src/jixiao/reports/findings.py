"""存在问题 as an evaluator writes them: points lost, grouped into a few themes, in prose.

Each leaf indicator that lost points is read rule by rule (the parts of a sum, the rule a veto
guards): a ``rate`` below 100% is 偏低, a ``deduct_over`` value beyond its threshold 偏高, a
``tiers`` value on the wrong side of the best band 偏高 or 偏低, a ``pace`` rule a problem only when
spending fell behind the schedule. The wording of each case is data (``wording.yaml``, per rule
kind), filled with the figures the engine computed — never the trace's ``≥``, ``÷`` or ``属“…”档``.

Findings are grouped by theme (``wording.yaml`` themes, or the edition's outline), themes ordered
by points lost; losses under ``small_loss`` are left to chapter 四's 扣分情况 list.

The case may reword or drop any indicator's problem, or add problems, under
``narrative.存在问题`` (see ``docs/reports.md``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jixiao.core import expr as E
from jixiao.core.numbers import fmt_amount, fmt_bound, fmt_count, fmt_pct, fmt_points
from jixiao.core.rules.base import each_rule, node
from jixiao.reports.figures import Figures, IndicatorView, pct, plain_key

OMIT = {"不列入", "略", "否", "false", "no"}
_CJK_GAP = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t\n]+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")


@lru_cache(maxsize=1)
def wording() -> dict:
    """The per-kind wording, themes and narrative checks (``reports/wording.yaml``)."""
    from jixiao.intake.yamlio import load

    return load(Path(str(resources.files("jixiao.reports") / "wording.yaml"))).data


@dataclass
class Finding:
    """One rule's points lost, in words: which case of its kind, and the figures to print."""

    kind: str
    case: str  # the wording case: low, high, behind, unmet …; "" when there is nothing to say
    lost: float
    values: dict = field(default_factory=dict)

    def say(self, part: str) -> str:
        entry = wording()["kinds"].get(self.kind, {}).get(self.case, {})
        return _fill(entry.get(part, ""), self.values)


@dataclass
class ProblemItem:
    """One problem of 存在问题 and the measure answering it."""

    title: str
    finding: str  # the problem's paragraph(s), prose
    measure: str
    measure_text: str
    indicator: IndicatorView | None = None  # the indicator losing most, when there is one
    theme: str = ""
    lost: float = 0.0
    names: list[str] = field(default_factory=list)  # the indicators it covers

    @property
    def name(self) -> str:
        return self.indicator.name if self.indicator else ""


def quoted(text: str) -> str:
    """“text”, its own double quotes turned single (‘三定’), so quotes never double up."""
    return "“" + str(text).replace("“", "‘").replace("”", "’") + "”"


def _fill(template: str, values: dict) -> str:
    class Keep(dict):
        def __missing__(self, key):
            return ""

    return template.format_map(Keep(values)) if template else ""


def _num(v: float | None, as_pct: bool = True) -> str:
    if v is None:
        return ""
    return pct(v) if as_pct else fmt_amount(v)


def _fact_text(fig: Figures, source: str) -> str:
    """“政府采购计划金额6,279.26万元” for an expression that is a single declared fact, else ""."""
    tree = node(source)
    if isinstance(tree, E.Ref) and tree.name in fig.fw.facts:
        fv = fig.f[tree.name]
        if fv.given:
            return f"{tree.name}{fv}"
    return ""


def findings(fig: Figures, leaf_id: str) -> list[Finding]:
    """The findings of one leaf indicator, one per rule that lost points."""
    leaf = fig.fw.find(leaf_id)
    out: list[Finding] = []
    if leaf is None or leaf.rule is None:
        return out
    env = fig.env
    name = leaf.name

    def value(n):
        v = E.evaluate(n, env)
        return None if isinstance(v, (E.Missing, str)) or v is None else v

    vetoed = False
    for rule in each_rule(leaf.rule):
        kind = rule.kind
        if kind == "veto":
            hits = [c.says for c in rule.when if value(node(c.test)) is True]
            if hits:
                out.append(Finding(kind, "vetoed", rule.max_points(), {"indicator": name, "says": "、".join(hits)}))
                vetoed = True
            continue
        if vetoed or kind in ("sum", "exempt"):
            continue
        try:
            available = float(rule.max_points())
        except (TypeError, ValueError):
            continue
        won = value(rule.lower())
        if not math.isfinite(available) or won is None or isinstance(won, bool):
            continue
        lost = available - float(won)
        if lost <= 1e-9:
            continue
        base = {"indicator": name, "label": getattr(rule, "label", "") or name}
        if kind == "rate":
            if rule.zero_if and value(node(rule.zero_if)) is True:
                base["says"] = rule.zero_says or f"{rule.label}不符合要求"
                out.append(Finding("veto", "vetoed", lost, base))
                continue
            r = value(rule.ratio())
            den, num = _fact_text(fig, rule.denominator), _fact_text(fig, rule.numerator)
            parts = "，".join(p for p in (den, num) if p)
            base.update(value=_num(r), parts=f"{fig.case.year}年度，{parts}，" if parts else f"{fig.case.year}年度，")
            out.append(Finding(kind, "low", lost, base))
        elif kind == "deduct_over":
            v = value(node(rule.value))
            if v is None:
                continue
            base.update(value=_num(v), threshold=fmt_bound(rule.threshold),
                        excess=fmt_points((v - rule.threshold) * 100))
            out.append(Finding(kind, "high", lost, base))
        elif kind == "tiers":
            out.append(_tiers(rule, value, env, lost, base))
        elif kind == "pace":
            late = [q.name for q in fig.quarters if not q.above]
            avg = value(rule.average())
            base.update(quarters="、".join(f"第{q}" for q in late), average=_num(avg))
            if not late:
                out.append(Finding(kind, "", lost, base))  # lost to the cap, not to pace: nothing to say
            elif avg is not None and avg < 1 - 1e-12:
                out.append(Finding(kind, "behind", lost, base))
            else:
                out.append(Finding(kind, "uneven", lost, base))
        elif kind == "checklist":
            unmet = []
            for item in rule.items:
                got = value(item.lower())
                if got is not None and float(got) < item.points - 1e-12:
                    unmet.append(quoted(item.says))
            base["says"] = "、".join(unmet) if len(unmet) <= 3 else "、".join(unmet[:3]) + f"等{len(unmet)}项"
            out.append(Finding(kind, "unmet", lost, base))
        elif kind == "deduct_per":
            c = value(node(rule.count))
            base.update(count=fmt_count(c) if c is not None else "", unit=rule.unit)
            out.append(Finding(kind, "count", lost, base))
        elif kind == "graded":
            level = env.get(rule.fact)
            base["level"] = level if isinstance(level, str) else ""
            out.append(Finding(kind, "level", lost, base))
        elif kind == "expert":
            s = value(E.Ref(rule.fact))
            base.update(score=fmt_points(float(s)) if s is not None else "", points=fmt_points(rule.points))
            out.append(Finding(kind, "score", lost, base))
    return out


def _tiers(rule, value, env, lost: float, base: dict) -> Finding:
    n = node(rule.value)
    v = value(n)
    best = max(rule.bands, key=lambda b: b.points)
    show = (lambda x: fmt_bound(x)) if rule.as_pct else (lambda x: f"{x:g}")
    if v is None:
        level = env.get(rule.judged) if rule.judged else None
        base["level"] = in_words(level) if isinstance(level, str) else f"{base['label']}处于较低档次"
        return Finding("tiers", "band", lost, base)
    lo, _ = best.low()
    hi, _ = best.high()
    base["value"] = _num(v, rule.as_pct)
    if v > hi or (v == hi and lo < hi):
        base["best"] = show(hi)
        return Finding("tiers", "high", lost, base)
    base["best"] = show(lo)
    return Finding("tiers", "low", lost, base)


_OPS = {"≥": "不低于", ">": "高于", "≤": "不高于", "<": "低于"}
_FLIP = {"≤": "不低于", "<": "高于"}


def in_words(band: str) -> str:
    """A band as prose: “满意度<80%” → “满意度低于80%”, “90%≤满意度<95%” → “满意度不低于90%且低于95%”."""
    m = re.fullmatch(r"(.+?)([≤<])(.+?)([≤<])(.+)", band)
    if m:
        lo, op1, name, op2, hi = m.groups()
        return f"{name}{_FLIP[op1]}{lo}且{_OPS[op2]}{hi}"
    m = re.fullmatch(r"(.+?)([≥>≤<])(.+)", band)
    if m:
        return f"{m.group(1)}{_OPS[m.group(2)]}{m.group(3)}"
    return band


def theme_of(view: IndicatorView, fig: Figures, found: list[Finding], placed: dict) -> str:
    """The theme a loss belongs to: the outline's choice, else the first whose words match."""
    if view.name in placed:
        return str(placed[view.name])
    themes = wording()["themes"]
    spec = fig.fw.find(view.id)
    texts = [f.values.get("label", "") for f in sorted(found, key=lambda f: -f.lost)] + [view.name]
    texts += list(reversed(spec.path)) if spec is not None else []
    for t in texts:
        t = plain_key(str(t))  # “三公经费”变动率 matches the word 三公经费变动
        for theme in themes:
            if any(w and w in t for w in theme["words"]):
                return theme["name"]
    return view.name  # no theme fits: a problem of its own


def paragraphs(value) -> list[str]:
    if value is None or value is False:
        return []
    if isinstance(value, (list, tuple)):
        return [p for item in value for p in paragraphs(item)]
    text = str(value).strip()
    return [_CJK_GAP.sub("", p).strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _one(v) -> str:
    return " ".join(paragraphs(v)) if v else ""


def _flat(s: str) -> str:
    return _CJK_GAP.sub("", " ".join(str(s or "").split()))


def _override(given: dict, view: IndicatorView):
    for key in (view.name, view.id, view.id.rsplit(".", 1)[-1]):
        if key in given:
            v = given[key]
            if v is False or (isinstance(v, str) and v.strip().lower() in OMIT):
                return False
            return v
    return None


@dataclass
class _Part:
    view: IndicatorView
    found: list[Finding]
    title: str
    text: str
    measure: str
    measure_text: str
    theme: str


def problems(fig: Figures, narrative: dict, outline=None, sentences: dict | None = None) -> list[ProblemItem]:
    """存在问题: one problem per theme, largest loss first, at most ``max_problems`` in all."""
    words = wording()
    given = narrative.get("存在问题") or {}
    if not isinstance(given, dict):
        given = {}
    sentences = sentences or {}
    advice_of = getattr(outline, "problems", {}) or {}
    placed = getattr(outline, "themes", {}) or {}
    small = float(words.get("small_loss", 0.1))
    parts: list[_Part] = []
    for view in fig.losses():
        over = _override(given, view)
        if over is False:
            continue
        over = over if isinstance(over, dict) else {}
        found = findings(fig, view.id)
        said = [f for f in found if f.case]
        if view.result.lost < small - 1e-9 and not over:
            continue
        if found and not said and not over:
            continue  # e.g. a pace rule losing to its cap while spending ran ahead: no problem
        main = max(said, key=lambda f: f.lost) if said else None
        edition = advice_of.get(view.name, {}) if isinstance(advice_of.get(view.name), dict) else {}
        advice = view.advice
        directed = main is not None and main.kind in ("rate", "deduct_over", "tiers", "pace")
        if directed and len(said) > 1 and len({(f.kind, f.case) for f in said}) == 1:
            # Several parts lost the same way (“三公”经费 and 日常公用经费 both too high): name the indicator.
            main = Finding(main.kind, main.case, main.lost, {**main.values, "label": view.name})
        title = (_one(over.get("问题")) or edition.get("problem")
                 or (main.say("title") if directed else "") or (advice.problem if advice else "")
                 or (main.say("title") if main else "") or f"{view.name}有待改进")
        measure = (_one(over.get("措施")) or edition.get("measure") or (advice.measure if advice else "")
                   or (main.say("measure") if main else "") or f"加强{view.name}")
        measure_text = ("\n\n".join(paragraphs(over.get("措施说明"))) or _flat(edition.get("detail", ""))
                        or (_flat(advice.detail) if advice and advice.detail else "")
                        or (main.say("detail") if main else "")
                        or f"将针对{quoted(view.name)}扣分的原因逐项整改，{measure}。")
        if over.get("说明"):
            text = "\n\n".join(paragraphs(over.get("说明")))
        elif sentences.get(view.name):
            text = sentences[view.name]
        elif said:
            text = f"{fig.case.year}年度，" + "".join(_lead_off(f.say("finding"), fig.case.year) for f in said)
        else:
            text = f"{fig.case.year}年度，{quoted(view.name)}指标参考分值{view.weight}分，得{view.score}分。"
        parts.append(_Part(view, found, title, text, measure, measure_text, theme_of(view, fig, said, placed)))

    by_theme: dict[str, list[_Part]] = {}
    for p in parts:
        by_theme.setdefault(p.theme, []).append(p)
    specs = {t["name"]: t for t in words["themes"]}
    order = {p.view.id: i for i, p in enumerate(parts)}
    grouped = sorted(by_theme.items(), key=lambda kv: (-round(sum(p.view.result.lost for p in kv[1]), 9),
                                                       min(_framework_order(fig, p.view.id) for p in kv[1])))
    out: list[ProblemItem] = []
    for theme, items in grouped:
        items.sort(key=lambda p: (-p.view.result.lost, order[p.view.id]))
        spec = specs.get(theme, {})
        if len(items) == 1:
            p = items[0]
            title, measure = p.title, p.measure
        else:
            title = spec.get("title") or f"{theme}方面有待改进"
            measure = spec.get("measure") or "针对扣分原因逐项整改"
        seen: list[str] = []
        for p in items:
            if p.measure_text not in seen:
                seen.append(p.measure_text)
        if len(items) == 1:
            finding = items[0].text
        else:  # 一是……；二是……: each indicator led by its own problem, as an evaluator writes
            finding = "\n\n".join(f"**{_ORDINAL[min(i, len(_ORDINAL) - 1)]}是{p.title}。**{p.text}"
                                   for i, p in enumerate(items))
        out.append(ProblemItem(
            title=title, finding=finding, measure=measure,
            measure_text="\n\n".join(seen), indicator=items[0].view, theme=theme,
            lost=sum(p.view.result.lost for p in items), names=[p.view.name for p in items]))
    extras = []
    for extra in given.get("补充") or []:
        if isinstance(extra, dict) and extra.get("问题"):
            extras.append(ProblemItem(
                title=_one(extra.get("问题")),
                finding="\n\n".join(paragraphs(extra.get("说明"))),
                measure=_one(extra.get("措施")) or "",
                measure_text="\n\n".join(paragraphs(extra.get("措施说明"))),
            ))
    cap = int(words.get("max_problems", 6))
    return out[: max(0, cap - len(extras))] + extras[:cap]


_ORDINAL = "一二三四五六七八九十"


def _framework_order(fig: Figures, leaf_id: str) -> int:
    for i, leaf in enumerate(fig.fw.leaves()):
        if leaf.id == leaf_id:
            return i
    return 10**6


def _lead_off(sentence: str, year: int) -> str:
    """A kind's finding begins “2020年度，” itself when it has figures; inside a joined paragraph drop it."""
    return sentence.removeprefix(f"{year}年度，")


# -- the case's own narrative against its figures --------------------------------------------


def narrative_warnings(fig: Figures) -> list[str]:
    """Sentences of the case's narrative that a computed figure contradicts, each named with it."""
    out: list[str] = []
    checks = wording().get("narrative_checks") or []
    texts = list(_narrative_sentences(fig.case.narrative or {}))
    behind = [q for q in fig.quarters if not q.above]
    for key, sentence in texts:
        for check in checks:
            hit = next((s for s in check.get("says", []) if s in sentence), None)
            if not hit:
                continue
            if check.get("quarters_behind"):
                if behind:
                    out.append(f"narrative.{key} 写道“{_clip(sentence, hit)}”，但按事实计算"
                               + "、".join(f"第{q.name}预算执行率为{q.rate}" for q in behind) + "，低于序时进度")
                continue
            for mt in _metrics_like(fig, str(check.get("metric", ""))):
                low, high = _range(fig, mt)
                if low is None:
                    continue
                if ("below" in check and high < float(check["below"]) + 1e-12) or (
                        "above" in check and low > float(check["above"])):
                    figure = f"按事实计算{mt.label}为{mt}" if mt.value is not None else f"{mt.label}评定为“{mt.band}”"
                    out.append(f"narrative.{key} 写道“{_clip(sentence, hit)}”，但{figure}")
        late = [str(i.get("名称")) for i in fig.case.lists.get("项目清单", []) if isinstance(i, dict)
                and i.get("按时完成") is False and i.get("名称")]
        named = [n for n in late if n in sentence]
        if named and len(late) > len(named) and ("未能按时" in sentence or "未按时" in sentence or "未按期" in sentence):
            out.append(f"narrative.{key} 只提到{len(named)}个未按时完成的项目（{'、'.join(named)}），"
                       f"但项目清单中有{len(late)}个项目未按时完成")
    seen: list[str] = []
    return [w for w in out if not (w in seen or seen.append(w))]


def _range(fig: Figures, mt) -> tuple[float | None, float]:
    """The metric's value as a range: the value itself, or the band an evaluator placed it in."""
    if mt.value is not None:
        return mt.value, mt.value
    leaf = fig.fw.find(mt.indicator)
    if not mt.band or leaf is None:
        return None, 0.0
    for rule in each_rule(leaf.rule):
        if rule.kind == "tiers" and rule.label == mt.label:
            for band in rule.bands:
                if band.name(rule.as_pct, rule.label) == mt.band:
                    return band.low()[0], band.high()[0]
    return None, 0.0


def _metrics_like(fig: Figures, pattern: str):
    if not pattern:
        return []
    rx = re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$")

    return [m for m in fig.metrics if rx.match(plain_key(m.label)) or rx.match(m.label)]


def _narrative_sentences(narrative: dict, prefix: str = ""):
    for key, value in narrative.items():
        if key == "存在问题":
            continue
        where = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _narrative_sentences(value, where + ".")
        elif isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, str):
                    yield from ((where, s) for s in _sentences(v))
        elif isinstance(value, str):
            yield from ((where, s) for s in _sentences(value))


def _sentences(text: str):
    for s in re.split(r"(?<=[。；！？])", _flat(text)):
        if s.strip():
            yield s.strip()


def _clip(sentence: str, hit: str, width: int = 40) -> str:
    if len(sentence) <= width:
        return sentence
    i = sentence.find(hit)
    start = max(0, i - (width - len(hit)) // 2)
    return ("…" if start else "") + sentence[start:start + width] + ("…" if start + width < len(sentence) else "")


__all__ = ["Finding", "ProblemItem", "findings", "fmt_pct", "narrative_warnings", "problems", "theme_of", "wording"]
