"""The web pages with Django's test client: permissions per role, escaping, CSRF, live scoring,
saving, review and the report's comparison table. The demo store is the fixture (it is what
``jixiao serve --demo`` shows), so these tests also check that it loads."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "shenzhen-sibao-2020"


def client_for(user: str):
    from django.contrib.auth import get_user_model
    from django.test import Client

    c = Client()
    c.force_login(get_user_model().objects.get(username=user), backend="django.contrib.auth.backends.ModelBackend")
    return c


def seed_post() -> dict:
    from jixiao.intake.case import read_document
    from jixiao.intake.framework import load_framework
    from jixiao.web import entry

    fw = load_framework("shenzhen-dept/2020")
    post = {}
    for g in entry.groups(fw, read_document(SEED / "case.yaml").data):
        for f in g.fields:
            post[f"v.{f.name}"], post[f"e.{f.name}"] = f.value, f.evidence
            if f.kind == "judgement":
                post[f"p.{f.name}"] = f.points
    return post


NEW = "/new/?unit=4403RS01&year=2020&framework=shenzhen-dept/2020"


def test_login_page_has_labels_and_csrf(client, db):
    r = client.get("/login/")
    html = r.content.decode()
    assert r.status_code == 200 and "csrfmiddlewaretoken" in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert client.get("/").status_code == 302  # every page needs a login


def test_cookies_and_security_settings(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert settings.CSRF_COOKIE_SAMESITE in ("Lax", "Strict")
    assert "axes.middleware.AxesMiddleware" == settings.MIDDLEWARE[-1]
    assert settings.DEBUG is False


def test_login_throttled_after_five_failures(client, demo):
    for _ in range(5):
        client.post("/login/", {"username": "danwei", "password": "wrong-password"})
    r = client.post("/login/", {"username": "danwei", "password": "Jixiao-Demo-2026"})
    assert "已暂时锁定" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_role_page_matrix(demo):
    own = demo.ev[("4403RS04", 2020)].pk
    other = demo.ev[("4403RS02", 2020)].pk
    expect = {
        "danwei2": {f"/e/{own}/": 200, f"/e/{other}/": 404, f"/e/{other}/edit": 404, f"/e/{other}/review": 404,
                    f"/e/{other}/reports/": 404, "/overview/": 404, "/audit/": 404, "/forms/": 200},
        "danwei": {f"/e/{own}/": 404, "/overview/": 404},
        "zhuguan": {f"/e/{own}/": 200, f"/e/{other}/": 200, "/overview/": 200, "/audit/": 200},
        "caizheng": {f"/e/{other}/": 200, "/overview/": 200, "/audit/": 200, "/overview/export/ranking.xlsx?year=2020": 200},
        "zhuanjia": {f"/e/{own}/": 404, f"/e/{demo.ev[('4403RS03', 2020)].pk}/": 200, "/overview/": 404},
    }
    for user, pages in expect.items():
        c = client_for(user)
        for url, status in pages.items():
            assert c.get(url).status_code == status, (user, url)


def test_live_score_without_saving(demo):
    from jixiao.store.models import CaseVersion

    c = client_for("danwei")
    assert c.get(NEW).status_code == 200
    before = CaseVersion.objects.count()
    r = c.post(NEW.replace("/new/", "/new/live"), seed_post())
    html = r.content.decode()
    assert '<span class="total" id="total">96.77</span>' in html
    assert CaseVersion.objects.count() == before  # scoring as one types saves nothing
    bad = dict(seed_post(), **{"v.年初预算数": "abc"})
    html = c.post(NEW.replace("/new/", "/new/live"), bad).content.decode()
    assert "尚不能评分" in html and "E-IN-NOT-NUMBER" in html and 'hx-swap-oob="true"' in html


def test_save_new_then_conflict(demo):
    c = client_for("danwei")
    r = c.post(NEW, dict(seed_post(), note="首次填报", base="0"))
    assert r.status_code == 302
    from jixiao.store.models import Evaluation

    ev = Evaluation.objects.get(unit__code="4403RS01", year=2020)
    assert ev.current == 1 and round(ev.versions.get(number=1).score.total, 2) == 96.77
    # a second save from a page loaded at version 0 is refused (someone saved since), nothing lost
    post = dict(seed_post(), base="0", **{"e.绩效管理制度": "另一人改写"})
    r = c.post(f"/e/{ev.pk}/edit", post)
    assert r.status_code == 409 and "保存冲突" in r.content.decode()
    ev.refresh_from_db()
    assert ev.current == 1


def test_user_text_is_escaped(demo):
    c = client_for("danwei")
    post = dict(seed_post(), base="0", **{"e.绩效管理制度": "<script>alert('x')</script>"})
    c.post(NEW, post)
    from jixiao.store.models import Evaluation

    ev = Evaluation.objects.get(unit__code="4403RS01", year=2020)
    html = c.get(f"/e/{ev.pk}/edit").content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_csrf_refuses_tokenless_post(demo):
    from django.contrib.auth import get_user_model
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(get_user_model().objects.get(username="zhuguan"), backend="django.contrib.auth.backends.ModelBackend")
    ev = demo.ev[("4403RS03", 2020)]
    r = c.post(f"/e/{ev.pk}/move", {"action": "return", "text": "x"})
    assert r.status_code == 403
    ev.refresh_from_db()
    assert ev.state == "submitted"


def test_excel_upload_fills_the_form(demo):
    c = client_for("danwei")
    with (SEED / "case.xlsx").open("rb") as fh:
        r = c.post(NEW.replace("/new/", "/new/upload"), {"workbook": fh})
    html = r.content.decode()
    assert r.status_code == 200 and "已读入工作簿" in html and '<span class="total" id="total">96.77</span>' in html
    assert 'value="21195' in html  # the workbook's 年初预算数 is in its field


def test_excel_upload_problem_names_its_cell(demo, tmp_path):
    import openpyxl

    from jixiao.intake.workbook import read_workbook_document

    doc, *_ = read_workbook_document(SEED / "case.xlsx")
    cell = doc.places[("facts", "年初预算数")]
    sheet, ref = cell.split("!")
    wb = openpyxl.load_workbook(SEED / "case.xlsx")
    wb[sheet][ref] = "一万"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    c = client_for("danwei")
    with bad.open("rb") as fh:
        html = c.post(NEW.replace("/new/", "/new/upload"), {"workbook": fh}).content.decode()
    assert f"单元格 {cell}" in html


def test_review_return_adjust_and_report(demo):
    from jixiao.store.models import Evaluation, Opinion
    from jixiao.web import reports as rp
    from jixiao.web import stored

    ev = demo.ev[("4403RS02", 2020)]  # 主管部门已审: 财政 reviews
    fin = client_for("caizheng")
    assert fin.get(f"/e/{ev.pk}/review").status_code == 200
    # a reason is required: without it nothing changes
    fin.post(f"/e/{ev.pk}/adjust", {"target": "含可量化指标", "value": "未达到", "reason": "", "base": ev.current})
    assert Evaluation.objects.get(pk=ev.pk).current == ev.current
    fin.post(f"/e/{ev.pk}/adjust", {"target": "含可量化指标", "value": "未达到", "reason": "仅有定性描述", "base": ev.current})
    ev.refresh_from_db()
    assert ev.current == 2
    fin.post(f"/e/{ev.pk}/opinion", {"indicator": "绩效指标明确性", "text": "指标值应可衡量"})
    assert Opinion.objects.filter(evaluation=ev, indicator="绩效指标明确性").exists()
    html = fin.get(f"/e/{ev.pk}/").content.decode()
    assert "自评分" in html and "复核分" in html and "▼ -1.00" in html
    # the report of the reviewed version carries both scores
    own, cur = stored.own_version(ev), stored.current(ev)
    target = rp._folder(ev, cur) / "report.docx"

    class J:
        def advance(self, *a, **k):
            pass

    result = rp._draft(J(), ev, cur, own, "docx", target)
    assert result["differs"]
    text = re.sub(r"<[^>]+>", "", zipfile.ZipFile(target).read("word/document.xml").decode())
    assert rp.COMPARE_TITLE in text and stored.pts(own.score.total) in text and stored.pts(cur.score.total) in text
    import docx

    toc = [p.text for p in docx.Document(str(target)).paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert toc and all(re.search(r"\d+$", t) for t in toc), toc  # the 目录 carries page numbers
    xlsx = rp._folder(ev, cur) / "scoring.xlsx"
    rp._draft(J(), ev, cur, own, "xlsx", xlsx)
    import openpyxl

    ws = openpyxl.load_workbook(xlsx)["自评与复核对照"]
    assert ws["A1"].value == rp.COMPARE_TITLE
    r = fin.get(f"/e/{ev.pk}/reports/{cur.number}.docx")
    assert r.status_code == 200 and b"".join(r.streaming_content)[:2] == b"PK"
    # returning to the 主管部门 needs an opinion
    fin.post(f"/e/{ev.pk}/move", {"action": "return_to_dept", "text": "", "expected_state": "dept_reviewed"})
    assert Evaluation.objects.get(pk=ev.pk).state == "dept_reviewed"
    fin.post(f"/e/{ev.pk}/move", {"action": "return_to_dept", "text": "请主管部门复查", "expected_state": "dept_reviewed"})
    assert Evaluation.objects.get(pk=ev.pk).state == "submitted"
    # a repeated click (same expected state) changes nothing more
    fin.post(f"/e/{ev.pk}/move", {"action": "return_to_dept", "text": "再退一次", "expected_state": "dept_reviewed"})
    assert Evaluation.objects.get(pk=ev.pk).state == "submitted"


def test_overview_exports_and_audit_filters(demo):
    import openpyxl

    fin = client_for("caizheng")
    html = fin.get("/overview/?year=2020").content.decode()
    assert "深圳市就业服务中心" in html and 'id="heat-data"' in html
    for table in ("ranking", "grades", "losses"):
        r = fin.get(f"/overview/export/{table}.xlsx?year=2020")
        wb = openpyxl.load_workbook(io.BytesIO(r.content))
        assert wb.active.max_row >= 2, table
    uid = demo.ev[("4403RS05", 2020)].unit_id
    assert "2019 年" in fin.get(f"/overview/unit/{uid}/").content.decode()
    r = fin.get(f"/overview/export/unit.xlsx?unit={uid}")
    assert openpyxl.load_workbook(io.BytesIO(r.content)).active.max_row > 5
    log = fin.get("/audit/?unit=4403RS05&action=transition.finalize").content.decode()
    assert log.count("财政终审通过</td>") == 2  # 2019 and 2020
    assert "没有符合条件的记录" in fin.get("/audit/?user=nobody").content.decode()
    # the 主管部门 sees only its units' events
    assert client_for("zhuguan").get("/audit/?action=user.create").content.decode().count("新建用户</td>") == 0


def test_forms_review_list_and_recomputation(demo):
    from jixiao.store.models import Evaluation

    c = client_for("caizheng")
    html = c.get("/forms/?review=1").content.decode()
    assert "TOTAL_DIFF" in html
    form = Evaluation.objects.get(kind="project")
    html = c.get(f"/forms/{form.pk}/").content.decode()
    assert "重算总分" in html and "预算执行率 = " in html


def test_deploy_check_clean_under_production_settings(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, JIXIAO_HTTPS="1", JIXIAO_SECRET_KEY="k" * 20 + "Q7#x9!pL2@vB5$nM8&cR4*zT6^" + "w" * 20,
               JIXIAO_DATA=str(tmp_path), DJANGO_SETTINGS_MODULE="jixiao.server.settings",
               PYTHONPATH=str(ROOT / "src"))
    env.pop("JIXIAO_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                       env=env, capture_output=True, text=True, cwd=str(tmp_path), check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_evidence_attachment_per_fact(demo):
    ev = demo.ev[("4403RS04", 2020)]
    c = client_for("danwei2")
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("../../etc/证明.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    c.post(f"/e/{ev.pk}/attach", {"file": pdf, "target": "绩效管理制度"})
    a = ev.attachments.get()
    assert a.name == "证明.pdf" and a.target == "绩效管理制度"  # never a path the user chose
    html = c.get(f"/e/{ev.pk}/edit").content.decode()
    assert f"/e/{ev.pk}/attachments/{a.pk}" in html
    r = c.get(f"/e/{ev.pk}/attachments/{a.pk}")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert client_for("danwei").get(f"/e/{ev.pk}/attachments/{a.pk}").status_code == 404
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    r = c.post(f"/e/{ev.pk}/attach", {"file": bad, "target": "绩效管理制度"}, follow=True)
    assert "不支持的佐证材料类型" in r.content.decode() and ev.attachments.count() == 1


def test_bulk_form_upload_imports_once(demo, monkeypatch):
    from jixiao.store import services
    from jixiao.store.models import Evaluation
    from jixiao.web.models import Job

    calls = []
    real = services.import_upload
    monkeypatch.setattr(services, "import_upload", lambda **kw: calls.append(kw["name"]) or real(**kw))
    c = client_for("danwei2")
    form = ROOT / "examples" / "chizhou-2022" / "form.xlsx"
    for _ in range(2):  # a second identical upload finds the same job and imports nothing again
        with form.open("rb") as fh:
            r = c.post("/forms/", {"unit": "4403RS04", "forms": [fh]})
        assert r.status_code == 302 and "/jobs/" in r["Location"]
    assert calls == ["form.xlsx"]
    job = Job.objects.get()
    assert job.state == "done" and job.result["ok"] == 1, (job.state, job.error, job.result)
    page = c.get(r["Location"]).content.decode()
    assert "已完成" in page and 'max="1000" value="1000"' in page and "成功导入 1 份" in page
    assert Evaluation.objects.filter(kind="project", unit__code="4403RS04").exists()
    # another unit's user cannot watch it
    assert client_for("danwei").get(r["Location"]).status_code == 404


def test_new_evaluation_offers_the_units_usual_edition(demo):
    # national-dept/2013 sorts first; a unit that filled in under shenzhen-dept/2020 keeps it preselected
    html = client_for("danwei2").get("/").content.decode()
    assert "<option selected>shenzhen-dept/2020</option>" in html
    assert "<option>national-dept/2013</option>" in html
