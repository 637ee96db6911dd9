"""Write the JSON Schemas of jixiao's records to docs/schema/ (run after changing a record).

    PYTHONPATH=src python tools/write_schemas.py

tests/test_records_json.py fails while the published files differ from what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jixiao.core.records import schemas


def main() -> None:
    out = ROOT / "docs" / "schema"
    out.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas().items():
        (out / f"{name}.schema.json").write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote docs/schema/{name}.schema.json")


if __name__ == "__main__":
    main()
