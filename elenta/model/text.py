"""What each destination accepts of free text: one line, printable, within its length.

Every string of the model ends up somewhere: a switch configuration line, a zone file, an exports
line, a shell command, a JSON file read by Nix. These checks raise ValueError with the reason, so
they serve as pydantic validators (the fault then names file and key) and as render-time checks.
"""

from __future__ import annotations

import unicodedata

DNS_NAME_MAX = 253  # characters of a name without its final dot: 255 bytes in wire format
DNS_LABEL_MAX = 63


def require_text(value: object) -> str:
    """Return `value` if it is text, else raise ValueError saying what it is instead.

    >>> require_text("toto")
    'toto'
    """
    if isinstance(value, str):
        return value
    kinds = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "a table"}
    shown = f" ({value!r})" if isinstance(value, int | float) else ""
    raise ValueError(f"expected text, got {kinds.get(type(value), type(value).__name__)}{shown}")


def _forbidden(char: str, allowed: str) -> str | None:
    if char in allowed:
        return None
    if char in "\n\r\v\f\x85\u2028\u2029":
        return "a line break"
    if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return f"a control character (U+{ord(char):04X})"
    return None


def check_line(value: object, allowed: str = "", what: str = "one line of printable text") -> str:
    """Return `value` if it is one line of printable text (characters in `allowed` excepted).

    >>> check_line("rack 2, port 4")
    'rack 2, port 4'
    >>> check_line("a\\nb")
    Traceback (most recent call last):
    ...
    ValueError: 'a\\nb' holds a line break: a value here must be one line of printable text
    """
    text = require_text(value)
    for char in text:
        problem = _forbidden(char, allowed)
        if problem:
            raise ValueError(f"{_short(text)} holds {problem}: a value here must be {what}")
    return text


def check_script(value: object) -> str:
    """Return `value` if it is a shell script: lines of printable text (tabs allowed), no NUL.

    >>> check_script("systemctl is-active knot\\ntest -L /run/current-system")
    'systemctl is-active knot\\ntest -L /run/current-system'
    """
    return check_line(value, allowed="\n\t", what="printable text (line breaks and tabs allowed)")


def check_dns_name_length(name: str) -> str:
    """Return `name` if it fits DNS: at most 253 characters, each label at most 63.

    >>> check_dns_name_length("dns.toto.canon")
    'dns.toto.canon'
    """
    bare = name.rstrip(".")
    if len(bare) > DNS_NAME_MAX:
        raise ValueError(f"DNS name {_short(bare)} is {len(bare)} characters, longer than {DNS_NAME_MAX}")
    for label in bare.split("."):
        if len(label) > DNS_LABEL_MAX:
            raise ValueError(
                f"label {_short(label)} of {_short(bare)} is longer than {DNS_LABEL_MAX} characters"
            )
    return name


def _short(text: str, limit: int = 60) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"
