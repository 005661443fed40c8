"""`python -m elenta.reference [--check] [REPO]`: write (or check) docs/reference.md and docs/schema/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from elenta.reference.markdown import reference_markdown
from elenta.reference.schema import file_schemas


def generated_files() -> dict[str, str]:
    """Every generated file by its path in the repository, with its text."""
    files = {"docs/reference.md": reference_markdown()}
    for name, schema in file_schemas().items():
        files[f"docs/schema/{name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return files


def main(argv: list[str]) -> int:
    """Write the files, or with `--check` list the stale ones and return 1."""
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    root = Path(args[0]) if args else Path(__file__).resolve().parents[2]
    stale = []
    for rel, text in generated_files().items():
        path = root / rel
        if path.exists() and path.read_text() == text:
            continue
        stale.append(rel)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if check and stale:
        print(f"stale: {', '.join(stale)}; run `python -m elenta.reference`", file=sys.stderr)
        return 1
    for rel in stale:
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
