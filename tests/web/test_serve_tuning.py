"""``jixiao serve`` prepares its process for many short requests before it serves: the views,
templates and editions loaded (jixiao.web.warm), and a 1 ms GIL switch interval."""

from __future__ import annotations

import sys

import pytest


@pytest.mark.django_db
def test_serve_warms_and_shortens_the_switch_interval_before_serving(monkeypatch):
    import typer
    import waitress
    from typer.testing import CliRunner

    from jixiao.cli import serve
    from jixiao.web import warm

    seen: dict[str, float] = {}
    monkeypatch.setattr(serve, "prepare", lambda *args: [])
    monkeypatch.setattr(warm, "warm", lambda: seen.setdefault("warm", sys.getswitchinterval()))
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: seen.setdefault("serve", sys.getswitchinterval()))
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    serve.register(app)
    before = sys.getswitchinterval()
    try:
        r = CliRunner().invoke(app, ["serve", "--port", "8765"])
    finally:
        sys.setswitchinterval(before)
    assert r.exit_code == 0, r.output
    assert seen == {"warm": pytest.approx(0.001), "serve": pytest.approx(0.001)}
    assert "网页服务已启动" in r.output
