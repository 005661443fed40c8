"""The export options of exports(5): which exist, which take a value, which contradict each other.

`check_options(["rw", "sync", "no_subtree_check"])` returns the faults of a list of options
(an empty list when they are valid).
"""

from __future__ import annotations

import re

# Options that stand alone, from exports(5) (nfs-utils 2.x).
FLAGS = frozenset(
    {
        "secure", "insecure", "rw", "ro", "async", "sync", "wdelay", "no_wdelay", "hide", "nohide",
        "crossmnt", "nocrossmnt", "subtree_check", "no_subtree_check", "insecure_locks", "no_auth_nlm",
        "secure_locks", "auth_nlm", "mountpoint", "mp", "nordirplus", "rdirplus", "pnfs", "no_pnfs",
        "security_label", "root_squash", "no_root_squash", "all_squash", "no_all_squash", "acl",
        "no_acl",
    }
)  # fmt: skip

# Options written `name=value`, with the shape their value must have.
VALUED = {
    "mountpoint": re.compile(r"/\S*"),
    "mp": re.compile(r"/\S*"),
    "fsid": re.compile(r"\d+|root|[0-9a-fA-F-]{8,}"),
    "refer": re.compile(r"/\S*@\S+"),
    "replicas": re.compile(r"/\S*@\S+"),
    "anonuid": re.compile(r"-?\d+"),
    "anongid": re.compile(r"-?\d+"),
    "sec": re.compile(r"(sys|krb5|krb5i|krb5p)(:(sys|krb5|krb5i|krb5p))*"),
    "xprtsec": re.compile(r"(none|tls|mtls)(:(none|tls|mtls))*"),
    "reexport": re.compile(r"auto-fsidnum|predefined-fsidnum|none"),
}

# Pairs of which at most one may be given; the first of each pair is what exportfs assumes
# when neither is (except subtree_check, whose default is no_subtree_check).
OPPOSITES = (
    ("ro", "rw"),
    ("sync", "async"),
    ("wdelay", "no_wdelay"),
    ("hide", "nohide"),
    ("nocrossmnt", "crossmnt"),
    ("no_subtree_check", "subtree_check"),
    ("secure", "insecure"),
    ("secure_locks", "insecure_locks"),
    ("auth_nlm", "no_auth_nlm"),
    ("root_squash", "no_root_squash"),
    ("no_all_squash", "all_squash"),
    ("acl", "no_acl"),
    ("rdirplus", "nordirplus"),
    ("no_pnfs", "pnfs"),
)
OPPOSITE = {a: b for a, b in OPPOSITES} | {b: a for a, b in OPPOSITES}
# Synonyms that exportfs treats as one option.
SYNONYMS = {"insecure_locks": "no_auth_nlm", "secure_locks": "auth_nlm", "mp": "mountpoint"}


def option_name(option: str) -> str:
    """The name of an option without its value: `option_name("fsid=1") == "fsid"`."""
    return option.split("=", 1)[0]


def check_option(option: str) -> str | None:
    """What is wrong with one option, or None: `check_option("rw ") == "…"`."""
    if option != option.strip() or any(c.isspace() for c in option):
        return f"option {option!r} contains whitespace"
    if any(c in option for c in "(),"):
        return f"option {option!r} contains '(', ')' or ',' (give one option per list item)"
    name, has_value, value = option.partition("=")
    if not has_value:
        if name in FLAGS:
            return None
        if name in VALUED:
            return f"option {name!r} needs a value ({name}=…)"
        return _unknown(name)
    if name not in VALUED:
        if name in FLAGS:
            return f"option {name!r} takes no value"
        return _unknown(name)
    if not VALUED[name].fullmatch(value):
        return f"option {option!r} has an invalid value for {name!r}"
    return None


def _unknown(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(FLAGS | set(VALUED)), n=2)
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    return f"unknown export option {name!r}{hint}; see exports(5)"


def check_options(options: list[str]) -> list[str]:
    """Every fault of an option list: unknown names, bad values, contradictions, repeats.

    `check_options(["ro", "rw"])` -> `["options 'ro' and 'rw' contradict each other"]`
    """
    faults = [f for f in (check_option(o) for o in options) if f]
    if faults:
        return faults
    seen: dict[str, str] = {}
    for option in options:
        name = SYNONYMS.get(option_name(option), option_name(option))
        if name in seen and seen[name] != option:
            faults.append(f"option {name!r} is given twice ({seen[name]!r} and {option!r})")
        seen.setdefault(name, option)
        other = OPPOSITE.get(option)
        if other is not None and other in options:
            pair = tuple(sorted((option, other)))
            message = f"options {pair[0]!r} and {pair[1]!r} contradict each other"
            if message not in faults:
                faults.append(message)
    return faults


def normalise(options: list[str]) -> tuple[str, ...]:
    """Options in a canonical order without repeats, for comparing two declarations.

    `normalise(["sync", "rw", "rw"]) == ("rw", "sync")`
    """
    return tuple(sorted(set(options)))


def contradicted_by(wanted: list[str], live: list[str]) -> list[str]:
    """The wanted options that what is loaded shows differently (`exportfs -v` omits some).

    An option is contradicted when its opposite is shown, or when the same `name=` is shown with
    another value. `contradicted_by(["rw"], ["sync", "ro"]) == ["rw"]`
    """
    live_set = set(live)
    live_values = {option_name(o): o for o in live if "=" in o}
    out = []
    for option in wanted:
        if option in live_set:
            continue
        shown_otherwise = "=" in option and option_name(option) in live_values
        if OPPOSITE.get(option) in live_set or shown_otherwise:
            out.append(option)
    return out
