"""``jixiao template`` (an empty case workbook for a framework) and ``jixiao convert`` (a case from
any of YAML, JSON and XLSX into any other). Nothing is written unless the whole input was read
without error; the output appears complete or not at all."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from jixiao.cli import fail, warn
from jixiao.core.errors import InvalidInput, Problem

OUT_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
DEFAULT_FRAMEWORK = "shenzhen-dept/2020"


def _check_output(out: Path, allowed: tuple[str, ...]) -> None:
    if out.suffix.lower() not in allowed:
        fail(InvalidInput("输出文件格式不支持", [Problem(
            "E-IN-FORMAT", f"输出文件扩展名应为 {'、'.join(allowed)}，实际为“{out.suffix or '（无）'}”", str(out))]))
    if out.is_dir():
        fail(InvalidInput("输出路径是目录", [Problem("E-IN-FILE", "请给出输出文件名，而不是目录", str(out))]))
    if not out.parent.exists():
        fail(InvalidInput("输出目录不存在", [Problem("E-IN-FILE", f"目录 {out.parent} 不存在，请先创建", str(out))]))


def _write(output: Path, write) -> None:
    """Run a writer; a file system refusal is the user's to fix (a Chinese message, exit 2)."""
    try:
        write()
    except OSError as exc:
        fail(InvalidInput("无法写出文件", [Problem(
            "E-IN-FILE", f"无法写入 {output}（{exc.strerror or exc}）；请检查目录是否存在、是否有写权限及磁盘空间，原文件保持不变",
            str(output))]))


def _target_template(output: Path, ref: str) -> None:
    from jixiao.intake.cycle import load_edition
    from jixiao.intake.export import write_atomic
    from jixiao.intake.target_xlsx import write_workbook

    try:
        ed = load_edition(ref, "target")
    except InvalidInput as exc:
        fail(exc)
    _write(output, lambda: write_atomic(output, lambda tmp: write_workbook({}, tmp, ed)))
    print(f"已生成 {output}：{ed.name}（{ed.id}）空白申报表，另有“历史完成值”工作表")


def _monitoring_template(output: Path, ref: str) -> None:
    from jixiao.intake.cycle import load_edition
    from jixiao.intake.export import write_atomic
    from jixiao.intake.monitoring_xlsx import write_workbook

    try:
        ed = load_edition(ref, "monitoring")
    except InvalidInput as exc:
        fail(exc)
    _write(output, lambda: write_atomic(output, lambda tmp: write_workbook({}, tmp, ed)))
    print(f"已生成 {output}：{ed.name}（{ed.id}）空白监控表，监控期间默认 {ed.period_label}")


def _preassess_template(output: Path, ref: str) -> None:
    from jixiao.intake.cycle import load_edition
    from jixiao.intake.export import write_atomic
    from jixiao.intake.preassess_xlsx import write_workbook

    try:
        ed = load_edition(ref, "preassessment")
    except InvalidInput as exc:
        fail(exc)
    _write(output, lambda: write_atomic(output, lambda tmp: write_workbook({}, tmp, ed)))
    print(f"已生成 {output}：{ed.name}（{ed.id}）空白专家评分表，另有“评估报告”工作表（报告各章节的文字）")


def register(app: typer.Typer) -> None:
    @app.command()
    def template(
        output: Path = typer.Option(..., "--output", "-o", help="要生成的工作簿（.xlsx）"),
        framework: str = typer.Option(DEFAULT_FRAMEWORK, "--framework", "-f", help="指标体系编号或文件"),
    ) -> None:
        """按指标体系生成填报用的 Excel 工作簿（带单位、下拉列表、数据校验和说明）。"""
        from jixiao.intake.export import write_rendered
        from jixiao.intake.framework import framework_path, load_framework
        from jixiao.intake.layout import layout_for
        from jixiao.intake.template import build_workbook

        _check_output(output, (".xlsx",))
        from jixiao.intake.cycle import kind_of_ref

        if kind_of_ref(framework) == "target":  # a blank 绩效目标申报表 to fill in
            return _target_template(output, framework)
        if kind_of_ref(framework) == "monitoring":  # a blank 绩效目标执行监控表
            return _monitoring_template(output, framework)
        if kind_of_ref(framework) == "preassessment":  # a blank 事前绩效评估专家评分表
            return _preassess_template(output, framework)
        try:
            fw = load_framework(framework)
            layout = layout_for(fw, framework_path(framework))
        except InvalidInput as exc:
            fail(exc)
        _write(output, lambda: write_rendered(output, lambda out: build_workbook(fw, layout).save(out)))
        sheets = "、".join(s.name for s in layout.sheets)
        print(f"已生成 {output}：{fw.name}（{fw.id}），工作表：{sheets}")

    @app.command()
    def convert(
        source: Path = typer.Argument(..., help="案例文件（YAML、JSON 或 XLSX）"),
        output: Path = typer.Argument(..., help="输出文件（.yaml、.json 或 .xlsx）"),
        framework: str | None = typer.Option(None, "--framework", "-f", help="指标体系编号或文件，默认用案例中指定的"),
    ) -> None:
        """在 YAML、JSON、XLSX 三种案例格式之间转换（先完整校验，再写出）。"""
        from jixiao.intake.case import read_case
        from jixiao.intake.export import same_file, write_case

        _check_output(output, OUT_SUFFIXES)
        if same_file(source, output):
            # Converting drops comments and rewrites the layout: the user's own file is never the target.
            fail(InvalidInput("输出文件就是输入文件", [Problem(
                "E-IN-OVERWRITE", f"输出文件与输入文件是同一个文件（{source}）；转换会丢掉注释并改写格式，请另给一个输出文件名",
                str(output))]))
        try:
            case, fw, fw_file = read_case(source, framework)
        except InvalidInput as exc:
            fail(exc)
        warn(case.warnings)
        _write(output, lambda: write_case(case, fw, output, fw_file))
        items = sum(len(v) for v in case.lists.values())
        print(f"已写出 {output}（{len(case.facts)} 项事实" + (f"，清单 {items} 项" if items else "") + "）", file=sys.stdout)
