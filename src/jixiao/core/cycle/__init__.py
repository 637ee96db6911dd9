"""The stages of the budget-performance cycle around the evaluation: 绩效目标 (target forms and their
四性审核), 事前绩效评估, 绩效运行监控 (warning lights) and 结果应用 (budget advice). Pure domain: each
module takes plain records and an edition (data) and returns findings, lights or advice; nothing
here reads a file. The editions live under ``jixiao/frameworks/<id>/<year>/`` and are read by
``jixiao.intake.cycle``; see ``docs/cycle.md``."""
