"""The records jixiao stores and exchanges, and their JSON Schemas, in one place.

* :class:`~jixiao.core.facts.Case` — one subject and year as bound from its file;
* :class:`~jixiao.core.evaluation.Evaluation` — one case scored, every indicator with its steps;
* :class:`~jixiao.core.form_record.FormResult` — one project form scored: the form as read, every
  line with its steps and facts, the findings for review;
* :class:`~jixiao.core.errors.Problem` — anything said about a file (an error, a warning, a review note).

Each carries a ``schema_version`` (Case, Evaluation, FormResult), is immutable (Case, Evaluation,
Problem; a FormResult is filled in by its scorer), and round-trips:
``X.from_json(x.to_json()) == x``. :func:`schemas` generates the JSON Schemas from the models;
``tools/write_schemas.py`` publishes them in ``docs/schema/``.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from jixiao.core.errors import Problem, ProblemJSON
from jixiao.core.evaluation import SCHEMA_VERSION, Evaluation, json_schema
from jixiao.core.facts import CASE_SCHEMA_VERSION, Case, case_json_schema
from jixiao.core.form_record import FORM_SCHEMA_VERSION, FormResult, form_json_schema


def problem_json_schema() -> dict:
    schema = TypeAdapter(ProblemJSON).json_schema(mode="serialization")  # what Problem.to_json writes
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "jixiao problem"
    return schema


def schemas() -> dict[str, dict]:
    """Every published schema by file stem: evaluation, form-result, case, problem."""
    return {"evaluation": json_schema(), "form-result": form_json_schema(), "case": case_json_schema(),
            "problem": problem_json_schema()}


__all__ = ["CASE_SCHEMA_VERSION", "FORM_SCHEMA_VERSION", "SCHEMA_VERSION", "Case", "Evaluation", "FormResult", "Problem",
           "schemas"]
