"""Reading a batch of forms in long format (Parquet or CSV) into the canonical columns.

One row per line of a form, keyed by ``表单编号``; ``行类型`` says which line: 资金 (the 年度资金总额
line), 定量 / 定性 (an indicator row), 合计 (the 总分 line, whose 得分 is the stated total).
Columns (all but 表单编号 and 行类型 optional; see ``docs/batch.md``)::

    表单编号 行号 行类型 地区 主管部门 项目名称 一级指标 二级指标 三级指标
    运算符 年度指标值 单位 实际完成值 实际单位 评价等级 分值 得分 偏差原因
    年初预算数 全年预算数 调整后预算数 全年执行数 年度 金额单位

Normalising is done here, once, so every engine sees the same values:

* 年度指标值 given as text ("≥50个") is parsed with the single-form parser, once per distinct text,
  into 运算符, 年度指标值 and 单位; 实际完成值 given as text likewise, in its row's unit;
* 实际单位 different from 单位 converts money (元、千元、万元、亿元) by exact integer ratios;
  any other mismatch makes the value missing (and is counted in the reader's warnings);
* 行类型, 运算符 and 评价等级 become Enums of the rule's own words, other spellings mapped (">=",
  "达成预期指标", "定量指标"); a text that names none of them is missing (MISSING:运算符 …);
  NaN is missing; 偏差原因 becomes yes/null (blank text is no reason);
* 年度 (“2019”, “2019年度”) becomes a whole number; 金额单位 (blank: 万元, as on the printed form)
  and 单位 become the money factors the review checks read (``_金额倍数``, ``_单位倍数``: 1, 1,000,
  10,000 or 10^8; the latter missing for a unit that is not money).

What the single-form reader refuses is refused here too, for the whole batch and before any
engine runs, so every engine gives the same verdict (``check_values``): a column of dates, lists,
structs or yes/no where numbers belong (``E-IN-BATCH-TYPE``); an empty file or a table without
rows (``E-IN-BATCH-EMPTY``); a negative 年度指标值, budget, spending or 分值, an infinite or
absurdly large number, a blank 表单编号 (``E-IN-BATCH-VALUE``, with the first places found).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from jixiao.batch.plan import FUND_SUM_COLUMN, PART
from jixiao.core.errors import InvalidInput, Problem
from jixiao.core.form_checks import DEFAULT_MONEY_UNIT, FORM_SCALE, ROW_SCALE, SCALE
from jixiao.core.rules.target import GRADES, OPERATORS
from jixiao.intake.form import (
    GRADE_OF,
    MONEY,
    SYMBOLS,
    WORDS,
    BadCell,
    _unit,
    grade_of,
    parse_actual,
    parse_target,
)
from jixiao.intake.yamlio import regular_file

TEXT, NUMBER, INT = pl.String, pl.Float64, pl.Int64
# Passes over the whole input (checks, distinct texts, the 资金 rows) run on Polars' streaming
# engine: a country's batch (10M forms, 113M rows) is read in pieces, never held whole.
STREAM = "streaming"
SCHEMA: dict[str, pl.DataType] = {
    "表单编号": TEXT, "行号": INT, "行类型": TEXT, "地区": TEXT, "主管部门": TEXT, "项目名称": TEXT,
    "一级指标": TEXT, "二级指标": TEXT, "三级指标": TEXT, "运算符": TEXT, "年度指标值": NUMBER, "单位": TEXT,
    "实际完成值": NUMBER, "实际单位": TEXT, "评价等级": TEXT, "分值": NUMBER, "得分": NUMBER, "偏差原因": TEXT,
    "年初预算数": NUMBER, "全年预算数": NUMBER, "调整后预算数": NUMBER, "全年执行数": NUMBER,
    "年度": INT, "金额单位": TEXT,
}
REQUIRED = ("表单编号", "行类型")
KEY_COLUMN = "表单编号"
MONEY_COLUMNS = ("年初预算数", "全年预算数", "调整后预算数", "全年执行数")
# Numbers a person would not write on a form: 10^15 of any unit (a hundred times the national
# budget in 元), and points beyond 1,000 (a form totals 100). Beyond these, cents overflow.
LIMITS = {"分值": 1000.0, "得分": 1000.0}
LIMIT = 1e15
NON_NEGATIVE = ("年度指标值", "分值", *MONEY_COLUMNS)
SHOWN = 5  # places listed per kind of bad value
OP_WORDS = dict(SYMBOLS) | dict(WORDS) | {"＞": ">", "＜": "<", "＝": "=", "＞＝": "≥", "＜＝": "≤"}
LINE_TYPES = ("资金", "定量", "定性", "合计", "其中", "截断")
KIND_WORDS = {"定量指标": "定量", "定性指标": "定性", "总分": "合计", "年度资金总额": "资金", "项目资金": "资金",
              "预算执行": "资金", "预算执行率": "资金", "资金其中": "其中", "其中资金": "其中", "资金明细": "其中",
              "以下缺失": "截断", "表格截断": "截断"}
MONEY_LABELS = {"年初预算数": "initial", "全年预算数": "budget", "调整后预算数": "adjusted", "全年执行数": "spent"}


@dataclass
class Batch:
    """A batch read and normalised: the lazy table, where it came from, and what was noticed."""

    frame: pl.LazyFrame
    source: str
    notes: list[str] = field(default_factory=list)
    # Whether check_values has passed; False when the reader left it to the engine's one pass
    # over the rows (``read_batch(..., check=False)``; the Polars engine checks each chunk).
    checked: bool = True


def read_batch(path: str | Path, check: bool = True) -> Batch:
    """Read FORMS (.parquet or .csv); raise InvalidInput in Chinese when it cannot be used.

    ``check=False`` leaves :func:`check_values` to the engine that reads the rows anyway (the
    Polars engine, ``write(..., unchecked=batch.source)``), which saves a pass over the input.
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInput("找不到文件", [Problem("E-IN-FILE", f"文件不存在：{path}，请检查路径", str(path))])
    suffix = path.suffix.lower()
    if not path.is_dir():
        # A device or FIFO (a link to /dev/zero) is refused before polars or the encoding check
        # reads it: neither stream ends. A regular table has no size limit here, as a batch may
        # hold millions of rows; polars reads it in columns, not as one string.
        regular_file(path, None, "批量数据文件")
    if path.is_file() and path.stat().st_size == 0:
        raise InvalidInput("批量数据为空", [Problem("E-IN-BATCH-EMPTY", "文件为空（0 字节）；请导出含表头和数据行的长表", str(path))])
    try:
        if suffix == ".parquet" or path.is_dir():
            lf = pl.scan_parquet(path if path.is_file() else path / "*.parquet")
            names = lf.collect_schema()
        elif suffix == ".csv":
            with path.open("rb") as fh:
                head = fh.read(65536)
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.start < len(head) - 4:
                    raise InvalidInput("CSV 编码不是 UTF-8", [Problem(
                        "E-IN-ENCODING", "文件不是 UTF-8 编码（可能是 GBK）；请“另存为 CSV UTF-8”后重试", str(path))]) from None
            # Read once: the checks below look at the text several times, and a lazy CSV scan
            # would parse the whole file again each time.
            lf = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy").lazy()
            names = lf.collect_schema()
        else:
            raise InvalidInput("不支持的文件格式", [Problem(
                "E-IN-FORMAT", f"无法识别扩展名“{path.suffix}”：批量评分请使用 .parquet 或 .csv", str(path))])
    except pl.exceptions.NoDataError:
        raise InvalidInput("批量数据为空", [Problem("E-IN-BATCH-EMPTY", "文件中没有表头和数据行；请导出含表头和数据行的长表",
                                                  str(path))]) from None
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InvalidInput("无法读取文件", [Problem("E-IN-FILE", f"无法读取：{first}", str(path))]) from None
    return normalise(lf, dict(names), str(path), check)


def normalise(lf: pl.LazyFrame, schema: dict, source: str, check: bool = True) -> Batch:
    """The canonical columns, whatever the file held (see the module docstring)."""
    missing = [c for c in REQUIRED if c not in schema]
    if missing:
        raise InvalidInput("批量数据缺少必需的列", [Problem(
            "E-IN-BATCH-COLUMN", f"缺少列：{'、'.join(missing)}；长表每行须有 表单编号 和 行类型（资金/定量/定性/合计）", source)])
    check_types(schema, source)
    batch = Batch(lf, source)
    # Text targets first: they fill 运算符 and 单位 where those are absent.
    if "年度指标值" in schema and schema["年度指标值"] == pl.String:
        lf = _parse_targets(lf, schema, batch)
        schema = dict(lf.collect_schema())
    if "实际完成值" in schema and schema["实际完成值"] == pl.String:
        lf = _parse_actuals(lf, schema, batch)
        schema = dict(lf.collect_schema())
    if schema.get("年度") == pl.String:
        lf = lf.with_columns(_year_text(lf, source))
        schema["年度"] = INT
    exprs = []
    for name, dtype in SCHEMA.items():
        if name not in schema:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
            continue
        col = pl.col(name)
        if dtype == NUMBER:
            if schema[name] == pl.String:
                _check_numbers(lf, name, source)
                col = col.str.strip_chars().str.replace_all(",", "").cast(NUMBER, strict=False)
            col = col.cast(NUMBER).fill_nan(None)
        elif dtype == INT:
            col = col.cast(INT, strict=False)
        elif not isinstance(schema[name], (pl.Enum, pl.Categorical)):
            col = col.cast(TEXT)  # dictionary-encoded text stays so (cheaper); engines compare it alike
        exprs.append(col.alias(name))
    lf = lf.select(exprs)
    lf = lf.with_columns(
        _enum("行类型", KIND_WORDS, LINE_TYPES, schema.get("行类型")),
        _enum("运算符", OP_WORDS, OPERATORS, schema.get("运算符")),
        _enum("评价等级", GRADE_OF, GRADES, schema.get("评价等级")),
        # Only whether a reason is written counts; blank text is none.
        pl.when(pl.col("偏差原因").str.strip_chars().str.len_bytes() > 0).then(True).otherwise(None).alias("偏差原因"),
    )
    if "实际单位" in schema:
        lf = _convert_units(lf, batch, schema)
    lf = lf.with_columns(_factor(lf, "单位", schema.get("单位")).alias(ROW_SCALE),
                         _factor(lf, "金额单位", schema.get("金额单位"), source).alias(FORM_SCALE))
    if "行号" not in schema:
        lf = lf.with_columns(pl.int_range(pl.len()).over("表单编号").cast(INT).alias("行号"))
    if check:
        check_values(lf, source)
    batch.checked = check
    # A refusal of the 资金 block comes after the value checks, as when they run first.
    batch.frame = fold_funds(lf, source, before_refusing=None if check else lambda: check_values(lf, source))
    return batch


def fold_funds(lf: pl.LazyFrame, source: str, before_refusing=None) -> pl.LazyFrame:
    """A form's 资金 block as the printed form has it: one 年度资金总额 line and its 其中 lines.

    The first 资金 row of a form (lowest 行号) is its 年度资金总额 line; its other 资金 rows and its
    其中 rows are 其中 lines (当年财政拨款, 上年结转, 其他资金), never scored as lines of their own.
    As in the single-form scorer (``Form.funds_total``), each amount the 其中 lines give replaces
    the total's by their sum (added in 行号 order, as Python adds them), and a total that disagrees
    is noted in ``_资金不符`` for the FUND_SUM flag. Only forms with 其中 lines are touched, in
    Python; a batch without any costs one look at its 资金 rows.
    """
    kind = pl.col("行类型")
    none = pl.lit(None, TEXT).alias(FUND_SUM_COLUMN)
    # Which forms have a 其中 row or a second 资金 row: only their keys are read first (10M forms'
    # 资金 rows with all their amounts would cost a gigabyte; their keys, a quarter of that).
    keys = (lf.filter(kind.is_in(["资金", PART])).select(KEY_COLUMN, (kind == PART).alias("_p"))
            .collect(engine=STREAM))
    if keys.height == 0:
        return lf.with_columns(none)
    fund_keys = keys.filter(~pl.col("_p"))[KEY_COLUMN]
    if fund_keys.is_sorted():  # as exports write them: a second 资金 row is next to the first
        twice = fund_keys.filter(fund_keys == fund_keys.shift())
    else:
        twice = fund_keys.filter(fund_keys.is_duplicated())
    folded = pl.concat([keys.filter(pl.col("_p"))[KEY_COLUMN], twice]).unique()
    del keys, fund_keys
    if folded.len() == 0:
        return lf.with_columns(none)
    funds = (lf.filter(kind.is_in(["资金", PART]) & pl.col(KEY_COLUMN).is_in(folded.implode()))
             .select(KEY_COLUMN, "行号", kind.cast(TEXT).alias("_k"), *MONEY_LABELS).collect(engine=STREAM))
    rows = funds.sort(KEY_COLUMN, "行号", nulls_last=True, maintain_order=True)
    if rows.select(KEY_COLUMN, "行号").is_duplicated().any():
        if before_refusing is not None:
            before_refusing()
        raise InvalidInput("批量数据有误", [Problem(
            "E-IN-BATCH-VALUE", "有 其中/资金 行的表单中，行号重复或为空；请为每张表的各行编写不同的行号", source)])
    fixes = {KEY_COLUMN: [], "行号": [], "_kind": [], FUND_SUM_COLUMN: [], **{f"_{m}": [] for m in MONEY_LABELS}}
    for (key,), form in rows.group_by(KEY_COLUMN, maintain_order=True):
        recs = form.to_dicts()
        total = next((r for r in recs if r["_k"] == "资金"), None)
        parts = [r for r in recs if r is not total]
        wrong = []
        for r in recs:
            fixes[KEY_COLUMN].append(key)
            fixes["行号"].append(r["行号"])
            fixes["_kind"].append("资金" if r is total else PART)
            values = {m: r[m] for m in MONEY_LABELS}
            if r is total:
                for m in MONEY_LABELS:
                    given = [p[m] for p in parts if p[m] is not None]
                    if not given:
                        continue
                    want, got = sum(given), r[m]
                    values[m] = want
                    if got is None or abs(want - got) > 1e-9 * max(1.0, abs(want)):
                        wrong.append(f"{m}{'未填' if got is None else ' ' + _amount(got)}，其中各项之和为 {_amount(want)}")
            for m in MONEY_LABELS:
                fixes[f"_{m}"].append(values[m])
            fixes[FUND_SUM_COLUMN].append(f"年度资金总额{'；'.join(wrong)}；按其中各项之和计算" if r is total and wrong else None)
    table = pl.LazyFrame(fixes, schema={KEY_COLUMN: TEXT, "行号": INT, "_kind": TEXT, FUND_SUM_COLUMN: TEXT,
                                        **{f"_{m}": NUMBER for m in MONEY_LABELS}})
    key_type = lf.collect_schema()[KEY_COLUMN]
    joined = lf.join(table.with_columns(pl.col(KEY_COLUMN).cast(key_type)), on=[KEY_COLUMN, "行号"], how="left",
                     maintain_order="left")
    hit = pl.col("_kind").is_not_null()
    return joined.with_columns(
        pl.when(hit).then(pl.col("_kind").cast(pl.Enum(list(LINE_TYPES))))
        .otherwise(kind).alias("行类型"),
        *[pl.when(hit).then(pl.col(f"_{m}")).otherwise(pl.col(m)).alias(m) for m in MONEY_LABELS],
    ).drop("_kind", *[f"_{m}" for m in MONEY_LABELS])


def _amount(x: float) -> str:
    return f"{x:,.6f}".rstrip("0").rstrip(".")


def _kind(dtype) -> str:
    """What a column holds, for the type check: number, text, yes/no, date, nested or other."""
    if dtype == pl.Null:
        return "null"
    if dtype.is_numeric():
        return "number"
    if dtype == pl.String or isinstance(dtype, (pl.Enum, pl.Categorical)):
        return "text"
    if dtype == pl.Boolean:
        return "是/否"
    if dtype.is_temporal():
        return "日期或时间"
    if dtype.is_nested():
        return "列表或结构"
    return str(dtype)


def check_types(schema: dict, source: str) -> None:
    """Refuse columns whose type cannot hold what the long format means: a date is not an amount
    (a Parquet date read as a number is days since 1970), a list is not a score."""
    problems = []
    for name, want in SCHEMA.items():
        if name not in schema:
            continue
        kind = _kind(schema[name])
        ok = ("number", "text", "null") if want in (NUMBER, INT) else ("number", "text", "null", "日期或时间")
        if kind not in ok:
            need = "数字" if want in (NUMBER, INT) else "文字"
            problems.append(Problem("E-IN-BATCH-TYPE", f"列“{name}”的类型为{kind}（{schema[name]}），应为{need}；"
                                                       f"请在导出前把该列改为{need}", source))
    if problems:
        raise InvalidInput("批量数据的列类型有误", problems)


def check_values(lf: pl.LazyFrame, source: str) -> None:
    """Refuse a batch holding what no form can hold (see the module docstring); one pass.

    Every kind of bad value is reported with how many rows hold it and the first places
    (表单编号, 行号 and the value), so the user can fix the export in one go.
    """
    checks: dict[str, tuple[pl.Expr, str]] = {"表单编号": (pl.col("表单编号").is_null(), "表单编号为空")}
    for name, dtype in SCHEMA.items():
        if dtype != NUMBER:
            continue
        col = pl.col(name)
        checks[f"{name}:inf"] = (col.is_infinite(), f"“{name}”不是有限的数（如 inf、1e309）")
        limit = LIMITS.get(name, LIMIT)
        checks[f"{name}:big"] = (col.abs().gt(limit) & col.is_finite(), f"“{name}”超出合理范围（绝对值不超过 {limit:g}）")
        if name in NON_NEGATIVE:
            hint = "；反向指标请写正数并用 ≤ 运算符" if name == "年度指标值" else ""
            checks[f"{name}:neg"] = (col < 0, f"“{name}”为负数（应为 0 或正数{hint}）")
    year = pl.col("年度")
    checks["年度:range"] = ((year < 1990) | (year > 2100), "“年度”应为 1990 至 2100 之间的四位年份")
    if within_bounds(lf):
        return
    flags = lf.select(pl.len().alias("_rows"), *[e.fill_null(False).sum().alias(k) for k, (e, _) in checks.items()]).collect(
        engine=STREAM)
    if flags["_rows"][0] == 0:
        raise InvalidInput("批量数据为空", [Problem("E-IN-BATCH-EMPTY", "长表只有表头，没有数据行；请导出含数据行的长表", source)])
    found = {k: int(flags[k][0]) for k in checks if flags[k][0]}
    if not found:
        return
    problems = []
    for k, n in found.items():
        e, what = checks[k]
        name = k.split(":")[0]
        sample = lf.filter(e.fill_null(False)).select("表单编号", "行号", pl.col(name).alias("_v")).head(SHOWN).collect()
        places = "；".join(f"表单编号 {f or '（空）'} 第 {r} 行 {_shown(v)}" for f, r, v in sample.iter_rows())
        problems.append(Problem("E-IN-BATCH-VALUE", f"{what}：共 {n:,} 行，如 {places}；请更正后重试", source))
    raise InvalidInput("批量数据有误", problems)


def within_bounds(frame: pl.LazyFrame | pl.DataFrame) -> bool:
    """Whether every check of :func:`check_values` passes, read from each column's least and
    greatest value (one cheap pass; NaN is already missing, and ±inf is beyond every bound).

    Exact both ways: a value outside these ends fails some check, so when this is false,
    :func:`check_values` refuses the batch (and counts what is wrong, and where).
    """
    numbers = [n for n, d in SCHEMA.items() if d == NUMBER]
    ends_of = [pl.len().alias("_rows"), pl.col("表单编号").null_count().alias("_blank"),
               *[pl.col(n).min().alias(f"{n}:min") for n in [*numbers, "年度"]],
               *[pl.col(n).max().alias(f"{n}:max") for n in [*numbers, "年度"]]]
    if isinstance(frame, pl.LazyFrame):
        ends = frame.select(ends_of).collect(engine=STREAM).row(0, named=True)
    else:
        ends = frame.select(ends_of).row(0, named=True)
    if ends["_rows"] == 0 or ends["_blank"]:
        return False
    for n in numbers:
        low, high = ends[f"{n}:min"], ends[f"{n}:max"]
        limit = LIMITS.get(n, LIMIT)
        if low is not None and not (low >= (0.0 if n in NON_NEGATIVE else -limit) and high <= limit):
            return False
    low, high = ends["年度:min"], ends["年度:max"]
    return low is None or (low >= 1990 and high <= 2100)


def _shown(v) -> str:
    if isinstance(v, float):
        return f"“{v:g}”"
    return "" if v is None else f"“{v}”"


def _enum(name: str, words: dict, values: tuple, given=None) -> pl.Expr:
    """A text column as an Enum of the rule's words; any other text is missing.

    Text is mapped row by row; an Enum (dictionary-encoded) column only maps its categories.
    """
    mapping = {k: v for k, v in words.items() if v in values} | {v: v for v in values}
    target = pl.Enum(list(values))
    if isinstance(given, pl.Enum):
        categories = given.categories.to_list()
        if categories == list(values):  # already the rule's Enum
            return pl.col(name)
        # One gather from the categories' words. (A cast from one Enum to another, even of the
        # rule's own words in another order or fewer, goes through every row's text.)
        at = [mapping.get(c) for c in categories]
        return pl.lit(pl.Series(at, dtype=target)).gather(pl.col(name).to_physical()).alias(name)
    return pl.col(name).cast(TEXT).replace_strict(mapping, default=None, return_dtype=target).alias(name)


def _check_numbers(lf: pl.LazyFrame, name: str, source: str) -> None:
    bad = (lf.select(pl.col(name)).filter(pl.col(name).is_not_null() & (pl.col(name).str.strip_chars() != "")
                                         & pl.col(name).str.strip_chars().str.replace_all(",", "")
                                         .cast(NUMBER, strict=False).is_null())
           .head(3).collect())
    if bad.height:
        shown = "、".join(f"“{v}”" for v in bad[name].to_list())
        raise InvalidInput("批量数据有误", [Problem(
            "E-IN-BATCH-NUMBER", f"列“{name}”应为数字，实际有 {shown} 等；请改为数字（单位写在“单位”列）", source)])


def _as_number(col: pl.Expr) -> pl.Expr:
    """Text that is a plain number (“50”, “1,000”), as a number; anything else null."""
    return col.str.strip_chars().str.replace_all(",", "").cast(NUMBER, strict=False)


def _parse_targets(lf: pl.LazyFrame, schema: dict, batch: Batch) -> pl.LazyFrame:
    """年度指标值 given as text. Plain numbers are read as numbers (their operator from 运算符, else
    ≥); other texts (“≥50个”) are parsed once per distinct text by the single-form parser."""
    t = pl.col("年度指标值")
    number = _as_number(t)
    texts = lf.filter(number.is_null() & t.is_not_null()).select(t.unique()).collect(engine=STREAM)["年度指标值"].to_list()
    rows = {"_t": [], "_op": [], "_num": [], "_unit": []}
    bad = 0
    for text in texts:
        try:
            p = parse_target(text) if text.strip() else None
        except BadCell:
            p, bad = None, bad + 1
        rows["_t"].append(text)
        rows["_op"].append(p.op if p else None)
        rows["_num"].append(p.number if p else None)
        rows["_unit"].append(p.unit if p else None)
    if bad:
        batch.notes.append(f"{bad} 种年度指标值文字无法读出数字，按缺失处理")
    table = pl.LazyFrame(rows, schema={"_t": TEXT, "_op": TEXT, "_num": NUMBER, "_unit": TEXT})
    if texts:
        out = lf.join(table, left_on="年度指标值", right_on="_t", how="left", nulls_equal=True, maintain_order="left")
    else:  # every target is a plain number: nothing to look up
        out = lf.with_columns(pl.lit(None, TEXT).alias("_op"), pl.lit(None, NUMBER).alias("_num"),
                              pl.lit(None, TEXT).alias("_unit"))
    given_op = pl.col("运算符").cast(TEXT) if "运算符" in schema else pl.lit(None, dtype=TEXT)
    op = pl.coalesce(given_op, pl.col("_op"), pl.when(number.is_not_null()).then(pl.lit("≥")))
    unit = pl.coalesce(pl.col("单位").cast(TEXT), pl.col("_unit")) if "单位" in schema else pl.col("_unit")
    return out.with_columns(op.alias("运算符"), unit.alias("单位"),
                            pl.coalesce(number, pl.col("_num")).alias("年度指标值")).drop("_op", "_num", "_unit")


def _parse_actuals(lf: pl.LazyFrame, schema: dict, batch: Batch) -> pl.LazyFrame:
    """实际完成值 given as text. Plain numbers are read as numbers, in the row's unit; other texts
    are read once per distinct (text, 单位) pair (“899,740元” in 万元), and qualitative texts
    (“达成预期指标”) become the 评价等级."""
    a = pl.col("实际完成值")
    number = _as_number(a)
    unit_col = pl.col("单位").cast(TEXT) if "单位" in schema else pl.lit(None, dtype=TEXT)
    pairs = (lf.filter(number.is_null() & a.is_not_null()).select(a.alias("_a"), unit_col.alias("_u"))
             .unique().collect(engine=STREAM))
    values, grades = [], []
    for text, unit in pairs.iter_rows():
        try:
            values.append(parse_actual(text, _unit(unit or "")) if text.strip() else None)
        except BadCell:
            values.append(None)
        grades.append(grade_of(text) if text.strip() else None)
    table = pairs.with_columns(pl.Series("_v", values, dtype=NUMBER), pl.Series("_g", grades, dtype=TEXT)).lazy()
    out = lf.with_columns(unit_col.alias("_u"))
    if pairs.height:
        out = out.join(table, left_on=["实际完成值", "_u"], right_on=["_a", "_u"], how="left", nulls_equal=True,
                       maintain_order="left")
    else:  # every actual is a plain number
        out = out.with_columns(pl.lit(None, NUMBER).alias("_v"), pl.lit(None, TEXT).alias("_g"))
    grade = pl.coalesce(pl.col("评价等级").cast(TEXT), pl.col("_g")) if "评价等级" in schema else pl.col("_g")
    return out.with_columns(pl.coalesce(number, pl.col("_v")).alias("实际完成值"), grade.alias("评价等级")).drop(
        "_u", "_v", "_g")


def _distinct(lf: pl.LazyFrame, name: str, given) -> tuple[list, pl.Expr]:
    """A text column's distinct values, and the column as their positions in that list: an Enum
    column by its categories (nothing read), a text column by one pass over its distinct values."""
    if isinstance(given, pl.Enum):
        return given.categories.to_list(), pl.col(name).to_physical()
    raw = [v for v in lf.select(pl.col(name).cast(TEXT).unique()).collect(engine=STREAM)[name].to_list() if v is not None]
    return raw, pl.col(name).cast(TEXT).replace_strict({v: i for i, v in enumerate(raw)}, default=None,
                                                       return_dtype=pl.UInt32)


def _unit_codes(lf: pl.LazyFrame, name: str, given) -> tuple[pl.Expr, list[str | None]]:
    """A unit column as positions into the list of its distinct (normalised) units, the last
    position standing for a blank; an Enum column is mapped by its categories, a text column by
    its distinct values."""
    raw, phys = _distinct(lf, name, given)
    units = [_unit(str(u)) or None for u in raw]
    return phys.fill_null(len(units)), units + [None]


def _convert_units(lf: pl.LazyFrame, batch: Batch, schema: dict) -> pl.LazyFrame:
    """实际完成值 in 单位 when 实际单位 differs: money by exact integer ratios, else missing.

    Each pair of units (actual, target) is decided once, in Python, as one signed factor: +m to
    multiply by m (1 when the units are the same or 实际单位 is blank), −d to divide by d, missing
    when they cannot be converted. Rows then take their pair's factor in one gather.
    """
    a, a_units = _unit_codes(lf, "实际单位", schema.get("实际单位"))
    t, t_units = _unit_codes(lf, "单位", schema.get("单位"))
    factors: list[float | None] = []
    for au in a_units:
        for tu in t_units:
            if au is None or au == tu:
                factors.append(1.0)
            elif au in MONEY and tu in MONEY:
                up, down = int(MONEY[au]), int(MONEY[tu])
                factors.append(float(up // down) if up >= down else -float(down // up))
            else:
                factors.append(None)
    pair = a.cast(pl.UInt32) * len(t_units) + t.cast(pl.UInt32)
    f, actual = pl.lit(pl.Series(factors, dtype=NUMBER)).gather(pair), pl.col("实际完成值")
    return lf.with_columns(f.alias("_f")).with_columns(
        pl.when(pl.col("_f") < 0).then(actual / -pl.col("_f")).otherwise(actual * pl.col("_f")).alias("实际完成值")
    ).drop("实际单位", "_f")


def _year_text(lf: pl.LazyFrame, source: str) -> pl.Expr:
    """年度 written as text (“2019”, “2019年”, “2019年度”) as a number; other text is refused."""
    year = pl.col("年度").str.strip_chars().str.strip_suffix("年度").str.strip_suffix("年")
    bad = (lf.filter(pl.col("年度").str.strip_chars().str.len_bytes() > 0)
           .filter(year.cast(INT, strict=False).is_null()).select("年度").head(3).collect())
    if bad.height:
        shown = "、".join(f"“{v}”" for v in bad["年度"].to_list())
        raise InvalidInput("批量数据有误", [Problem(
            "E-IN-BATCH-NUMBER", f"列“年度”应为四位年份，实际有 {shown} 等；请改为如 2022 的年份", source)])
    return year.cast(INT, strict=False).alias("年度")


def _factor(lf: pl.LazyFrame, name: str, given, source: str | None = None) -> pl.Expr:
    """A unit column as its money factor (元 1, 千元 1,000, 万元 10,000, 亿元 10^8), once per distinct
    value; missing for a unit that is not money. For 金额单位 (``source`` given) a blank is 万元, as on
    the printed form and in the single-form reader, and a text that names no money unit is refused."""
    form_unit = source is not None
    blank = SCALE[DEFAULT_MONEY_UNIT] if form_unit else None
    if given is None:
        return pl.lit(blank, dtype=NUMBER)
    raw, phys = _distinct(lf, name, given)
    units = [_unit(str(u)) for u in raw]
    factors = [SCALE.get(u, blank if not u else None) for u in units]
    if form_unit:
        bad = [str(r) for r, u, f in zip(raw, units, factors) if f is None]
        if bad:
            raise InvalidInput("批量数据有误", [Problem(
                "E-IN-BATCH-VALUE", f"金额单位应为 元、千元、万元 或 亿元，实际有 {'、'.join(f'“{b}”' for b in bad[:SHOWN])}；"
                                    "请更正后重试", source)])
    out = pl.lit(pl.Series(factors, dtype=NUMBER)).gather(phys)
    return out.fill_null(blank) if form_unit else out


def write_parquet(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(path, compression="lz4", statistics=False)

