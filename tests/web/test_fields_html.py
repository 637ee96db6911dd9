"""The entry form's fields written in Python (jixiao.web.fields_html): every value from the edition
or the user is escaped, each input has its label, and errors are marked for assistive technology."""

from __future__ import annotations

import re

from jixiao.core.errors import Problem
from jixiao.core.facts import FactSpec


def _field(kind: str, **kw):
    from jixiao.web.entry import Field

    spec = FactSpec.model_validate({"type": kind, "label": kw.pop("label", "标签<i>")})
    return Field(kw.pop("n", "3"), kw.pop("name", "事实<b>"), spec, kw.pop("unit", "万元"), **kw)


def test_user_and_edition_text_is_escaped_everywhere():
    from jixiao.web import fields_html

    class Att:
        pk, name, size = 9, "证明<script>.pdf", 2048

    f = _field("money", value='1"><script>x</script>', evidence="<script>alert('x')</script>", fixed_unit='元"')
    f.problems = [Problem("E-IN-X", "错<b>误</b>", "Sheet!B2")]
    f.attachments = [Att()]

    class Ev:
        pk = 4

    html = fields_html.field(f, ev=Ev(), attachments=True, can_attach=True)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert 'value="1&quot;&gt;&lt;script&gt;' in html and 'value="元&quot;"' in html
    assert "（单元格 Sheet!B2）" in html and 'aria-invalid="true"' in html
    assert "证明&lt;script&gt;.pdf" in html and "2.0\xa0KB" in html and 'form="att-3"' in html


def test_every_input_has_its_label_and_choices_keep_the_value():
    from jixiao.web import fields_html

    html = fields_html.field(_field("judgement", value="未达到", points="", evidence="依据"))
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html):
        assert f'<label for="{input_id}"' in html, input_id
    assert "<option selected>未达到</option>" in html and "<option>达到</option>" in html
    assert 'aria-invalid' not in html


def test_the_live_score_swaps_each_problem_block_out_of_band():
    from jixiao.web import fields_html

    a, b = _field("number", n="0"), _field("number", n="1")
    b.problems = [Problem("W-IN-Y", "提示", "网页表单:facts.x", severity="warning")]
    html = str(fields_html.problems_oob([a, b]))
    assert html.count('hx-swap-oob="true"') == 2
    assert '<div id="err-f1" aria-live="polite" hx-swap-oob="true"><p class="problem warning"><strong>△ 提示</strong>' in html
