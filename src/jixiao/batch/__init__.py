"""Batch scoring of project self-evaluation forms: the framework's trees compiled to columns.

A batch is a table in long format, one row per line of a form (the 资金 line, each indicator row,
and the 合计 line with the stated 总分), keyed by ``表单编号`` (see ``docs/batch.md``). The lines'
scores, reason codes and reason checks are the expression trees of
:class:`jixiao.core.form.FormFramework`; each engine compiles those same trees:

* :mod:`.polars_engine` to Polars expressions (the default: one machine, all cores);
* :mod:`.sql` to SQL, run by :mod:`.duckdb_engine` or by :mod:`.spark_engine` (PySpark, local
  or any cluster by master URL);
* :mod:`.scalar` walks them row by row through the single-form scorer: the reference every
  engine must equal, and the yardstick of the benchmark.

All follow the scalar walker's rules (missing values and division by zero give a reason code, not
a number; Kleene and/or; the first reason in reading order), round with the same IEEE operations
(:func:`jixiao.core.numbers.round_half_up`) and add each form's total in whole cents.
"""
