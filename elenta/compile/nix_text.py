"""Text written into generated Nix source: one place that knows how to quote it.

Most of what elenta hands to Nix is JSON read with `builtins.fromJSON`; where a generated `.nix`
file must hold a whole configuration file (NFS exports, a DHCP server's file), it goes in an
indented string with Nix's own escapes, so no text from the lab is ever read as Nix.
"""

from __future__ import annotations


def nix_string(text: str) -> str:
    """A Nix indented string holding `text` verbatim: `nix_string("a\\n") == "''\\n  a\\n''"`."""
    escaped = text.replace("''", "'''").replace("${", "''${")
    body = "".join(f"  {line}\n" if line else "\n" for line in escaped.splitlines())
    return f"''\n{body}''"
