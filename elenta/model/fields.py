"""The building blocks both model files share: a strict base model and validated field types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from elenta.model.names import (
    check_dns_server,
    check_domain,
    check_flake_ref,
    check_interface_name,
    check_label,
    check_network_name,
    parse_size_mib,
)
from elenta.model.text import check_line, check_script


class StrictModel(BaseModel):
    """Unknown keys are faults (a misspelling must not pass), and loaded models are immutable.

    Validators are built on first use (`defer_build`), not at import: `elenta check` starts sooner.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


# A path that reaches an ssh or nix command line as one word: no leading dash, no spaces or
# control characters (Nix splits NIX_SSHOPTS on whitespace).
PLAIN_PATH = r"^[^\s\x00-\x1f-][^\s\x00-\x1f]*$"

Label = Annotated[str, BeforeValidator(check_label)]
DomainName = Annotated[str, BeforeValidator(check_domain)]
NetworkName = Annotated[str, BeforeValidator(check_network_name)]
InterfaceName = Annotated[str, BeforeValidator(check_interface_name)]
Line = Annotated[str, BeforeValidator(check_line)]
"""One line of printable text: what every name, path and description of the model is."""
Script = Annotated[str, BeforeValidator(check_script)]
"""A shell script run on a host (health checks, backup commands): lines of printable text."""
DnsServer = Annotated[str, BeforeValidator(check_dns_server)]
SizeMiB = Annotated[int, BeforeValidator(parse_size_mib)]
FlakeRef = Annotated[str, BeforeValidator(check_flake_ref)]
