"""docs/reference.md and docs/schema/ are generated from the models, current, and right about the lab."""

from __future__ import annotations

import json
import tomllib

import pytest

from elenta.reference.__main__ import generated_files, main
from elenta.reference.keydocs import KEYDOCS
from elenta.reference.schema import FILES, file_schema, models_under
from tests.conftest import EXAMPLE_LAB, REPO


def test_generated_reference_and_schemas_are_current() -> None:
    """Fails when a model changed and `python -m elenta.reference` was not run."""
    for rel, text in generated_files().items():
        path = REPO / rel
        assert path.exists() and path.read_text() == text, f"{rel} is stale: run `python -m elenta.reference`"
    assert main(["--check", str(REPO)]) == 0


def test_every_key_of_every_model_is_in_the_reference() -> None:
    page = (REPO / "docs" / "reference.md").read_text()
    for model, _ in FILES.values():
        for name, field in model.model_fields.items():
            assert f"| `{field.alias or name}` |" in page, f"{model.__name__}.{name}"
    for kind in FILES:  # every key has its meaning and an example (elenta/reference/keydocs.py)
        for model in models_under(FILES[kind][0]).values():
            for name, field in model.model_fields.items():
                key = field.alias or name
                assert key in KEYDOCS.get(model.__name__, {}), (
                    f"keydocs: no meaning for {model.__name__}.{key}"
                )
    for model_name, keys in KEYDOCS.items():  # no meaning written for a key that no longer exists
        assert f"### {model_name}" in page, model_name
        for key in keys:
            assert f"| `{key}` |" in page, f"{model_name}.{key}"


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("cadaster", EXAMPLE_LAB / "cadaster.toml"),
        ("constellation", EXAMPLE_LAB / "constellations" / "homelab.toml"),
        ("elenta", EXAMPLE_LAB / "elenta.toml"),
    ],
)
def test_the_example_lab_is_valid_against_the_schemas_and_a_misspelling_is_not(kind: str, path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = file_schema(kind)
    document = tomllib.loads(path.read_text())
    jsonschema.validate(json.loads(json.dumps(document, default=str)), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**document, "misspelt_key": 1}, schema)
