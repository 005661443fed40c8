"""MX, TXT, SRV and CAA records: rendered from the constellation, refused with file and key when wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elenta.dns.check import check_zone_texts
from elenta.dns.render import lab_zone_texts
from elenta.model.errors import ModelError
from elenta.model.lab import load_lab
from tests.conftest import EXAMPLE_LAB
from tests.lab.test_dns_records_knot import RECORDS, with_records


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE_LAB, tmp_path / "lab", ignore=shutil.ignore_patterns(".elenta")))


def test_records_are_rendered_and_pass_named_checkzone(lab: Path) -> None:
    texts = lab_zone_texts(load_lab(with_records(lab)))
    zone = texts["example.lab"]
    for line in (
        "@ IN MX 10 archimedes.canon.",
        "@ IN MX 20 mx.provider.example.",
        '@ IN TXT "v=spf1 mx -all"',
        '_dmarc IN TXT "v=DMARC1; p=none; rua=\\"mailto:ops@example.lab\\""',
        "_imaps._tcp IN SRV 0 0 993 archimedes.canon.",
        "_http._tcp IN SRV 5 10 80 archimedes.canon.",
        '@ IN CAA 0 issue "letsencrypt.org"',
        '@ IN CAA 128 iodef "mailto:ops@example.lab"',
    ):
        assert line in zone.splitlines(), line
    dkim = next(line for line in zone.splitlines() if line.startswith("s1._domainkey"))
    assert dkim == f's1._domainkey IN TXT "v=DKIM1; k=rsa; p={"A" * 237}" "{"A" * 163}"'
    if shutil.which("named-checkzone"):
        check_zone_texts(texts)


@pytest.mark.parametrize(
    ("edit", "key", "says"),
    [
        ('host = "mx.provider.example."', "mx[1].host", "is not a valid DNS name"),
        ('name = "_imaps._tcp"', "srv[0].name", "is not an SRV name"),
        ('tag = "issue"', "caa[0].tag", "Input should be 'issue', 'issuewild' or 'iodef'"),
        ('"_dmarc" =', "txt", "is not a record name"),
        ("v=spf1 mx -all", "txt", "printable ASCII"),
    ],
)
def test_bad_records_are_refused_naming_file_and_key(lab: Path, edit: str, key: str, says: str) -> None:
    bad = {
        'host = "mx.provider.example."': 'host = "mx;reboot"',
        'name = "_imaps._tcp"': 'name = "imaps"',
        'tag = "issue"': 'tag = "issues"',
        '"_dmarc" =': '"_dmarc x" =',
        "v=spf1 mx -all": "v=spf1\\u0007",
    }[edit]
    with_records(lab)
    constellation = lab / "constellations" / "homelab.toml"
    constellation.write_text(constellation.read_text().replace(edit, bad, 1))
    with pytest.raises(ModelError) as caught:
        load_lab(lab)
    message = str(caught.value)
    assert str(constellation) in message and f'domains."example.lab".{key}' in message and says in message


def test_a_target_that_is_no_machine_is_refused_at_its_key(lab: Path) -> None:
    with_records(lab)
    constellation = lab / "constellations" / "homelab.toml"
    constellation.write_text(
        constellation.read_text().replace('host = "archimedes" }, {', 'host = "archimedez" }, {')
    )
    with pytest.raises(ModelError) as caught:
        lab_zone_texts(load_lab(lab))
    assert 'domains."example.lab".mx[0]' in str(caught.value) and "archimedez" in str(caught.value)
    assert RECORDS
