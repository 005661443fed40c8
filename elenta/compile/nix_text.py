"""Text written into generated Nix source: one place that knows how to quote it.

Most of what elenta hands to Nix is JSON read with `builtins.fromJSON`; where a generated `.nix`
file must hold a whole configuration file (NFS exports, a DHCP server's file), it goes in an
indented string with Nix's own escapes, so no text from the lab is ever read as Nix.
"""

from __future__ import annotations

import json
import re

from elenta.model.errors import ElentaError

_NIX_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_'-]*$")


class NixNameError(ElentaError):
    """A name that is not a plain Nix attribute name was about to reach a Nix expression."""


def nix_string(text: str) -> str:
    """A Nix indented string holding `text` verbatim: `nix_string("a\\n") == "''\\n  a\\n''"`."""
    escaped = text.replace("''", "'''").replace("${", "''${")
    body = "".join(f"  {line}\n" if line else "\n" for line in escaped.splitlines())
    return f"''\n{body}''"


def nix_list(names: list[str]) -> str:
    """Names as a Nix list for an `--apply` expression: `nix_list(["toto"]) == '[ "toto" ]'`.

    Raises NixNameError for a name that is not a plain attribute name (never Nix source from the lab).
    """
    for name in names:
        if not _NIX_NAME.match(name):
            raise NixNameError(f"{name!r} is not a name elenta can look up in a flake")
    return "[ " + " ".join(json.dumps(n) for n in names) + " ]"
