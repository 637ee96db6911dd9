"""The only code that reads users' files: YAML, JSON and (later) XLSX cases, and framework files.

Everything read is checked here and every problem is collected with its place (``file:line``,
a field path, or ``sheet!cell``) before the pure core sees a single value.
"""
