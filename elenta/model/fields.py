"""The building blocks both model files share: a strict base model and validated field types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from elenta.model.names import check_flake_ref, check_label, parse_size_mib


class StrictModel(BaseModel):
    """Unknown keys are faults (a misspelling must not pass), and loaded models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Label = Annotated[str, BeforeValidator(check_label)]
SizeMiB = Annotated[int, BeforeValidator(parse_size_mib)]
FlakeRef = Annotated[str, BeforeValidator(check_flake_ref)]
