"""The building blocks both model files share: a strict base model and validated field types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from elenta.model.names import check_flake_ref, check_label, parse_size_mib


class StrictModel(BaseModel):
    """Unknown keys are faults (a misspelling must not pass), and loaded models are immutable.

    Validators are built on first use (`defer_build`), not at import: `elenta check` starts sooner.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


# A path that reaches an ssh or nix command line as one word: no leading dash, no spaces or
# control characters (Nix splits NIX_SSHOPTS on whitespace).
PLAIN_PATH = r"^[^\s\x00-\x1f-][^\s\x00-\x1f]*$"

Label = Annotated[str, BeforeValidator(check_label)]
SizeMiB = Annotated[int, BeforeValidator(parse_size_mib)]
FlakeRef = Annotated[str, BeforeValidator(check_flake_ref)]
