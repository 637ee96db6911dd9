"""Background jobs kept in the database: a restart takes an interrupted job up again from where it
stood, a failure is shown in Chinese and may be started again, and a job is watched only by those
who may see what it works on."""

from __future__ import annotations

from tests.web.test_views import ROOT, client_for

FORMS = ROOT / "examples" / "chizhou-2022"


def test_restart_takes_an_interrupted_import_up_where_it_stood(demo, monkeypatch):
    from django.contrib.auth import get_user_model

    from jixiao.store import services
    from jixiao.web import jobs
    from jixiao.web.models import Job

    user = get_user_model().objects.get(username="danwei2")
    key = "f" * 64
    folder = jobs.files_dir(key)
    folder.mkdir(parents=True)
    (folder / "0000").write_bytes((FORMS / "form.yaml").read_bytes())
    (folder / "0001").write_bytes(b"not: [a form")
    (folder / "0002").write_bytes((FORMS / "form.xlsx").read_bytes())
    # as a stopped server left it: running in another process, the first file imported
    job = Job.objects.create(key=key, kind="import", title="导入项目自评表 3 份", owner=user, state=Job.RUNNING,
                             worker="elsewhere:1:dead", done=1000, total=3000,
                             result={"ok": 1, "failed": [], "files": 1},
                             params={"user": user.pk, "unit": "4403RS04", "files": [
                                 {"name": "a.yaml", "file": "0000"}, {"name": "坏.yaml", "file": "0001"},
                                 {"name": "c.xlsx", "file": "0002"}]})
    calls = []
    real = services.import_upload
    monkeypatch.setattr(services, "import_upload", lambda **kw: calls.append(kw["name"]) or real(**kw))
    assert jobs.recover() == 1
    assert calls == ["坏.yaml", "c.xlsx"]  # the first is not imported twice
    job.refresh_from_db()
    assert job.state == Job.DONE and job.worker == jobs.WORKER and job.done == job.total == 3000
    assert job.result["ok"] == 2 and len(job.result["failed"]) == 1 and job.result["failed"][0].startswith("坏.yaml：")
    page = client_for("danwei2").get(f"/jobs/{key}/").content.decode()
    assert "成功导入 2 份，1 份未能导入" in page and "坏.yaml：" in page
    assert jobs.recover() == 0  # a finished job is never taken up again


def test_failed_report_job_says_why_in_chinese_and_can_start_again(demo, monkeypatch):
    from jixiao.web import reports
    from jixiao.web.models import Job

    ev = demo.ev[("4403RS02", 2020)]
    zg = client_for("zhuguan")

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reports, "_draft", full)
    r = zg.post(f"/e/{ev.pk}/reports/make", {"format": "xlsx", "version": ev.current})
    job = Job.objects.get()
    assert job.state == Job.FAILED and "读写文件出错" in job.error and "No space left" in job.error
    page = zg.get(r["Location"]).content.decode()
    assert "失败：读写文件出错" in page and "重新发起" in page
    monkeypatch.undo()
    r = zg.post(f"/e/{ev.pk}/reports/make", {"format": "xlsx", "version": ev.current})
    job.refresh_from_db()
    assert job.state == Job.DONE and job.error == "" and job.result["url"].endswith(".xlsx"), job.error
    # 财政 sees this evaluation, so may watch its report job; a unit outside it may not
    assert client_for("caizheng").get(r["Location"]).status_code == 200
    assert client_for("danwei").get(r["Location"]).status_code == 404
    # a finished report is served at once on the next click, without a job
    r = zg.post(f"/e/{ev.pk}/reports/make", {"format": "xlsx", "version": ev.current})
    assert "/reports/" in r["Location"] and Job.objects.count() == 1
