"""Services: what the CLI, the web app and the store call. They take data and editions, never
file paths to guess from, and return records; the callers read and write files, print, and set
exit codes.

* :func:`~jixiao.services.scoring.read` — a case or form file as located data and its edition
  (the file's format picks the reader; the edition's ``kind`` picks everything after);
* :func:`~jixiao.services.scoring.bind` — ``bind(doc, edition) -> (case or form | None, problems)``;
* :func:`~jixiao.services.scoring.score` — ``score(doc, edition) -> Evaluation`` (or a
  :class:`~jixiao.core.form.FormResult` for a project form), and :func:`evaluate` for the whole
  :class:`Scored` record (edition, bound case, result, warnings);
* :func:`~jixiao.services.drafting.draft` — ``draft(scored, formats) -> {filename: bytes}``;
* :func:`~jixiao.services.testing.run_tests` — an edition's ``tests.yaml``, case by case.

See ``docs/architecture.md``.
"""

from __future__ import annotations

from jixiao.services.drafting import draft
from jixiao.services.scoring import Scored, bind, evaluate, read, score
from jixiao.services.testing import CaseOutcome, run_tests

__all__ = ["CaseOutcome", "Scored", "bind", "draft", "evaluate", "read", "run_tests", "score"]
