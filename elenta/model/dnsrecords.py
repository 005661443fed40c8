"""Mail, text, service and CA records a constellation domain publishes (MX, TXT, SRV, CAA).

```toml
[domains."example.lab"]
mx = [{ preference = 10, host = "archimedes" }]             # a machine, or "mx.provider.net."
txt = { "@" = ["v=spf1 mx -all"], "_dmarc" = ["v=DMARC1; p=none"] }
srv = [{ name = "_imaps._tcp", port = 993, host = "archimedes" }]
caa = [{ tag = "issue", value = "letsencrypt.org" }]

[domains."example.lab".services.www]                        # a service publishes its own SRV:
srv = [{ name = "_http._tcp", port = 80 }]                  # target: the service's host
```

Every string reaches a zone file: each is checked here for that destination (printable ASCII,
names of DNS labels, quotes escaped), and rendered by `*.rdata()`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from elenta.model.fields import StrictModel
from elenta.model.names import check_domain

_OWNER_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
_SRV_NAME = re.compile(r"^_[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?\._(tcp|udp|tls|sctp)$")
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")
TXT_CHUNK = 255  # bytes per character-string (RFC 1035); longer texts become several strings


def check_owner(name: str) -> str:
    """A record owner relative to its domain: `@` (the domain itself) or labels (`_dmarc`, `s1._domainkey`).

    >>> check_owner("_dmarc")
    '_dmarc'
    """
    if name == "@":
        return name
    labels = name.split(".")
    if not all(_OWNER_LABEL.match(label) for label in labels) or len(name) > 200:
        raise ValueError(
            f"{name!r} is not a record name: '@' or dot-separated labels of lower-case letters, digits, "
            "'-' and '_'"
        )
    return name


def check_host(host: str) -> str:
    """A record target: a machine of the cadaster (`archimedes`, `lab.ifrit.canon`), or an
    absolute name outside the lab with its final dot (`mx.provider.net.`)."""
    check_domain(host)
    return host.lower()


def _printable(text: str, what: str) -> str:
    if not _PRINTABLE.match(text):
        raise ValueError(f"{what} {text[:40]!r} holds a character other than printable ASCII")
    return text


def quoted(text: str) -> str:
    """A zone-file character-string: `quoted('a "b"')` -> `'"a \\\\"b\\\\""'`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def txt_rdata(text: str) -> str:
    """TXT rdata, split into strings of at most 255 bytes: `txt_rdata("v=spf1 -all")`."""
    chunks = [text[i : i + TXT_CHUNK] for i in range(0, len(text), TXT_CHUNK)] or [""]
    return " ".join(quoted(chunk) for chunk in chunks)


class MxRecord(StrictModel):
    """`{ preference = 10, host = "archimedes" }` at the domain itself."""

    preference: int = Field(10, ge=0, le=65535, description="lower is tried first")
    host: str = Field(description="a machine of the cadaster, or an outside name ending in '.'")

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        return check_host(value)

    def rdata(self, target: str) -> str:
        """`10 archimedes.canon.`"""
        return f"{self.preference} {target}"


class SrvRecord(StrictModel):
    """`{ name = "_imaps._tcp", port = 993, host = "archimedes" }` (host: the service's, under a service)."""

    name: str = Field(description="_service._proto, e.g. _imaps._tcp, _sip._udp")
    port: int = Field(ge=0, le=65535)
    priority: int = Field(0, ge=0, le=65535)
    weight: int = Field(0, ge=0, le=65535)
    host: str | None = Field(
        None, description="a machine, or an outside name ending in '.'; a service's own host by default"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SRV_NAME.match(value):
            raise ValueError(
                f"{value!r} is not an SRV name such as '_imaps._tcp' (_service._tcp|_udp|_tls|_sctp)"
            )
        return value

    @field_validator("host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        return None if value is None else check_host(value)

    def rdata(self, target: str) -> str:
        """`0 0 993 archimedes.canon.`"""
        return f"{self.priority} {self.weight} {self.port} {target}"


class CaaRecord(StrictModel):
    """`{ tag = "issue", value = "letsencrypt.org" }`: which CA may issue certificates for the domain."""

    tag: Literal["issue", "issuewild", "iodef"]
    value: str = Field(
        description="a CA's domain (issue, issuewild; ';' alone forbids) or a mailto:/https: URL (iodef)"
    )
    flags: Literal[0, 128] = Field(0, description="128: critical")

    @field_validator("value")
    @classmethod
    def _value(cls, value: str) -> str:
        _printable(value, "CAA value")
        if '"' in value or "\\" in value:
            raise ValueError(f"CAA value {value!r} may not hold quotes or backslashes")
        return value

    def rdata(self) -> str:
        """`0 issue "letsencrypt.org"`"""
        return f"{self.flags} {self.tag} {quoted(self.value)}"


def check_txt(values: dict[str, list[str]]) -> dict[str, list[str]]:
    """TXT records by owner: names checked, every text printable ASCII (what a zone file carries)."""
    for owner, texts in values.items():
        check_owner(owner)
        for text in texts:
            _printable(text, f"TXT {owner}")
    return values
