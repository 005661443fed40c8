"""MX, TXT, SRV and CAA from the constellation: rendered, checked by named-checkzone, served by Knot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab.test_dns_knot import Knot, apply, knot, lab_copy  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow

RECORDS = """
[domains."example.lab"]
mx = [{ preference = 10, host = "archimedes" }, { preference = 20, host = "mx.provider.example." }]
caa = [
  { tag = "issue", value = "letsencrypt.org" },
  { tag = "iodef", value = "mailto:ops@example.lab", flags = 128 },
]
srv = [{ name = "_imaps._tcp", port = 993, host = "archimedes" }]
[domains."example.lab".txt]
"@" = ["v=spf1 mx -all"]
"_dmarc" = ['v=DMARC1; p=none; rua="mailto:ops@example.lab"']
"s1._domainkey" = ["v=DKIM1; k=rsa; p=%s"]
[domains."example.lab".services.www]
role = "web"
host = "archimedes"
srv = [{ name = "_http._tcp", port = 80, priority = 5, weight = 10 }]
""" % ("A" * 400)


def with_records(lab: Path) -> Path:
    constellation = lab / "constellations" / "homelab.toml"
    text = constellation.read_text()
    text = text.replace('[domains."example.lab"]\nredirect_bare_to = "www"\n', "", 1)
    text = text.replace(
        '[domains."example.lab".services.www]\nrole = "web"\nhost = "archimedes"\n',
        RECORDS.replace(
            '[domains."example.lab"]\n', '[domains."example.lab"]\nredirect_bare_to = "www"\n', 1
        ),
        1,
    )
    constellation.write_text(text)
    return lab


def test_knot_serves_mx_txt_srv_caa(lab_copy: Path, knot: Knot) -> None:  # noqa: F811
    with_records(lab_copy)
    result = apply(lab_copy, knot)
    assert result.returncode == 0, result.stdout + result.stderr
    assert knot.ask("example.lab", "MX") == {"10 archimedes.canon.", "20 mx.provider.example."}
    assert knot.ask("example.lab", "TXT") == {'"v=spf1 mx -all"'}
    assert knot.ask("_dmarc.example.lab", "TXT") == {'"v=DMARC1; p=none; rua=\\"mailto:ops@example.lab\\""'}
    (dkim,) = knot.ask("s1._domainkey.example.lab", "TXT")
    assert dkim.count('"') == 4 and "A" * 200 in dkim  # 400+ bytes: two strings of at most 255
    assert knot.ask("_imaps._tcp.example.lab", "SRV") == {"0 0 993 archimedes.canon."}
    assert knot.ask("_http._tcp.example.lab", "SRV") == {"5 10 80 archimedes.canon."}  # the service's host
    assert knot.ask("example.lab", "CAA") == {
        '0 issue "letsencrypt.org"',
        '128 iodef "mailto:ops@example.lab"',
    }
    assert knot.ask("www.example.lab", "CNAME") == {"archimedes.canon."}
