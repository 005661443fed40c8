"""The reference of every file elenta reads, generated from its models: `python -m elenta.reference`.

Writes `docs/reference.md` (every key: type, default, meaning, example) and JSON Schemas for
editors (`docs/schema/*.schema.json`); `--check` exits 1 when the files on disk are stale.
"""
