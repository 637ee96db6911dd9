"""The pure domain core: the expression language, rule kinds, frameworks, facts and the engine.

Nothing here reads or writes files; ``jixiao.intake`` hands it clean values and the report,
store and web layers read what it returns.
"""
