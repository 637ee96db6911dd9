"""The generic report's chapter 二, built from any framework's indicator tree.

Each leaf indicator gets a sentence written from its rules' figures — a rate with the facts it is
computed from, a value against its threshold, the quarters of a pace rule, the criteria of a
checklist met and not met — and its score. Only facts the framework declares appear, and only
when the case gives them: a sentence never prints a figure it does not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.core import expr as E
from jixiao.core.numbers import fmt_bound, fmt_count, fmt_points
from jixiao.core.rules.base import each_rule, node
from jixiao.reports.figures import Figures, pct
from jixiao.reports.findings import _fact_text, _num, in_words, quoted


@dataclass
class Node:
    """One indicator of the tree as chapter 二 shows it."""

    name: str
    leaf: bool
    sentence: str = ""
    children: list[Node] = field(default_factory=list)

    @property
    def leaves(self) -> list[Node]:
        out = []
        for c in self.children:
            out += [c] if c.leaf else c.leaves
        return out


def tree(fig: Figures, sentences: dict | None = None) -> list[Node]:
    """Level-1 nodes, their level-2 children, and every leaf's sentence."""
    sentences = sentences or {}

    def build(ind) -> Node:
        if not ind.children:
            own = sentences.get(ind.name)
            return Node(ind.name, True, f"{own}{score(fig, ind.id)}" if own else sentence(fig, ind.id))
        return Node(ind.name, False, children=[build(c) for c in ind.children])

    return [build(i) for i in fig.fw.indicators]


def money(fig: Figures) -> list[str]:
    """“年初预算数21,195.00万元” for every money fact the case gives, in the framework's order."""
    out = []
    for name, spec in fig.fw.facts.items():
        fv = fig.f[name]
        if spec.type == "money" and fv.given and isinstance(fv.value, (int, float)):
            out.append(f"{name}{fv}")
    return out


def sentence(fig: Figures, leaf_id: str) -> str:
    """What a leaf's rules found, in prose, then its score."""
    leaf = fig.fw.find(leaf_id)
    r = fig.ev[leaf_id]
    if r.status == "not_scorable":
        return f"该指标无法评分（{r.reason_text}），未计入得分。"
    parts: list[str] = []
    env = fig.env

    def value(n):
        v = E.evaluate(n, env)
        return None if isinstance(v, (E.Missing, str)) or v is None else v

    for rule in each_rule(leaf.rule if leaf else None):
        kind = rule.kind
        if kind == "veto":
            hits = [c.says for c in rule.when if value(node(c.test)) is True]
            if hits:
                parts.append(f"发生{'、'.join(hits)}的情况，本项指标不得分")
                break
        elif kind == "exempt":
            if value(node(rule.when.test)) is True:
                parts.append(f"{rule.when.says}，直接得分")
                break
        elif kind == "rate":
            v = value(rule.ratio())
            facts = "，".join(p for p in (_fact_text(fig, rule.denominator), _fact_text(fig, rule.numerator)) if p)
            if v is not None:
                parts.append(f"{facts + '，' if facts else ''}{rule.label}为{pct(v)}")
        elif kind == "deduct_over":
            v = value(node(rule.value))
            if v is not None:
                side = "超过" if v > rule.threshold + 1e-12 else "未超过"
                parts.append(f"{rule.label}为{pct(v)}，{side}{fmt_bound(rule.threshold)}的控制标准")
        elif kind == "tiers":
            v = value(node(rule.value))
            if v is not None:
                parts.append(f"{rule.label}为{_num(v, rule.as_pct)}")
            elif rule.judged and isinstance(env.get(rule.judged), str):
                parts.append(f"经评定，{rule.label}为{quoted(in_words(env[rule.judged]))}")
        elif kind == "pace":
            qs = [f"第{q.name}预算执行率为{q.rate}" for q in fig.quarters if q.value is not None]
            avg = value(rule.average())
            if qs:
                late = [f"第{q.name}" for q in fig.quarters if not q.above]
                text = "；".join(qs) + (f"，全年平均执行率为{pct(avg)}" if avg is not None else "")
                text += f"，{'、'.join(late)}实际支付进度低于序时进度" if late else "，各季度实际支付进度均不低于序时进度"
                parts.append(text)
        elif kind == "checklist":
            met, unmet = [], []
            for item in rule.items:
                got = value(item.lower())
                if got is None:
                    continue
                (met if float(got) >= item.points - 1e-12 else unmet).append(quoted(item.says))
            if met and not unmet:
                parts.append(f"经评价，{'、'.join(met)}{'均' if len(met) > 1 else ''}达到要求")
            elif unmet:
                parts.append(f"经评价，{'、'.join(met) + '达到要求，' if met else ''}{'、'.join(unmet)}未达到要求")
        elif kind == "deduct_per":
            c = value(node(rule.count))
            if c is not None:
                parts.append(f"{rule.label}{fmt_count(c)}{rule.unit}")
        elif kind == "graded":
            level = env.get(rule.fact)
            if isinstance(level, str):
                parts.append(f"{rule.label}情况为{quoted(level)}")
        elif kind == "expert":
            s = value(E.Ref(rule.fact))
            if s is not None:
                parts.append(f"{rule.label}为{fmt_points(float(s))}分（满分{fmt_points(rule.points)}分）")
    return (f"{fig.case.year}年度，" + "；".join(parts) + "。" if parts else "") + score(fig, leaf_id)


def score(fig: Figures, leaf_id: str) -> str:
    r = fig.ev[leaf_id]
    if r.score is None:
        return ""
    return f"该指标得{fmt_points(r.score)}分（参考分值{fmt_points(r.weight)}分）。"
