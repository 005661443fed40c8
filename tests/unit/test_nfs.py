"""NFS exports: constellation roles -> exports(5) text and the NixOS form, and the checks before install."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from invoke import Context
from invoke.exceptions import Exit

from elenta.model.errors import ModelError
from elenta.model.lab import Lab, load_lab
from elenta.nfs.options import check_option, check_options, contradicted_by
from elenta.nfs.render import (
    declared_entries,
    exports_text,
    nfs_artifacts,
    nfs_hosts,
    nixos_exports,
    render_exports,
    resolve_client,
)
from elenta.nfs.table import ExportEntry, missing_from, parse_exportfs_verbose, parse_exports
from elenta.tasks.nfs import nfs

REPO = Path(__file__).resolve().parents[2]
CADASTER = """
domain = "canon"
[networks.lab]
cidr = "127.0.1.0/24"
[machines.nancy.interfaces.enp3s0]
network = "lab"
ip = "127.0.1.3"
[machines.toto.interfaces.enp2s0]
network = "lab"
ip = "127.0.1.2"
[machines.archimedes.interfaces.eno1]
network = "lab"
ip = "127.0.1.4"
"""


def make_lab(tmp_path: Path, roles: str, *more: str) -> Lab:
    """A lab whose nancy carries `.#nfs`; `roles` is the TOML of `[roles.nfs]` and friends."""
    (tmp_path / "cadaster.toml").write_text(CADASTER)
    folder = tmp_path / "constellations"
    folder.mkdir()
    head = '[machines.nancy]\nhostConfig = ".#nfs"\n'
    (folder / "a.toml").write_text(head + textwrap.dedent(roles))
    for i, text in enumerate(more):
        (folder / f"b{i}.toml").write_text(textwrap.dedent(text))
    return load_lab(tmp_path)


def test_example_lab_renders_nancy_exports():
    lab = load_lab(REPO / "examples" / "lab")
    assert nfs_hosts(lab) == ["nancy"]
    lines = [line for line in exports_text(lab, "nancy").splitlines() if not line.startswith("#")]
    assert lines == [
        "/srv/media 127.0.1.4(ro,no_subtree_check) 127.0.1.0/24(ro,no_subtree_check)",
        "/srv/backup 127.0.1.2(rw,sync,no_subtree_check)",
    ]


def test_clients_resolve_by_canon_name_link_type_network_and_world(tmp_path):
    lab = make_lab(
        tmp_path,
        """
        [roles.nfs]
        exports = [{ path = "/srv/a", clients = ["toto.canon", "archimedes.canon.lan", "lab", "*"] }]
        """,
    )
    assert [resolve_client(lab, n) for n in ("toto.canon", "archimedes.canon.lan", "lab", "*")] == [
        "127.0.1.2",
        "127.0.1.4",
        "127.0.1.0/24",
        "*",
    ]
    body = exports_text(lab, "nancy").splitlines()[-1]
    assert body == "/srv/a 127.0.1.2(ro) 127.0.1.4(ro) 127.0.1.0/24(ro) *(ro)"


def test_artifacts_are_the_file_and_the_nixos_module(tmp_path):
    lab = make_lab(tmp_path, '[roles.nfs]\nexports = [{ path = "/srv/a", clients = ["toto"] }]\n')
    artifacts = {a.path: a for a in nfs_artifacts(lab)}
    assert set(artifacts) == {"nfs/nancy/exports", "nfs/nancy/exports.nix"}
    assert artifacts["nfs/nancy/exports"].machine == "nancy"
    text = artifacts["nfs/nancy/exports"].content.decode()
    assert "constellations/a.toml" in text and str(tmp_path) not in text  # no cwd in the plan
    assert "services.nfs.server.exports" in artifacts["nfs/nancy/exports.nix"].content.decode()


def test_same_path_same_client_conflicting_options_names_both_sides(tmp_path):
    with pytest.raises(ModelError) as caught:
        make_lab_and_render(
            tmp_path,
            """
            [roles.nfs]
            exports = [
              { path = "/srv/a", clients = ["toto"], options = ["rw"] },
              { path = "/srv/a", clients = ["toto.canon"], options = ["ro"] },
            ]
            """,
        )
    message = str(caught.value)
    assert "roles.nfs.exports[1].clients[0]" in message
    assert "roles.nfs.exports[0].clients[0]" in message
    assert "a.toml" in message and "127.0.1.2" in message


def make_lab_and_render(tmp_path: Path, roles: str) -> str:
    return exports_text(make_lab(tmp_path, roles), "nancy")


def test_same_path_same_options_twice_is_merged(tmp_path):
    text = make_lab_and_render(
        tmp_path,
        """
        [roles.nfs]
        exports = [
          { path = "/srv/a", clients = ["toto"], options = ["rw", "sync"] },
          { path = "/srv/a", clients = ["toto.canon", "archimedes"], options = ["sync", "rw"] },
        ]
        """,
    )
    assert text.splitlines()[-1] == "/srv/a 127.0.1.2(rw,sync) 127.0.1.4(sync,rw)"


def test_path_exported_by_two_constellations_conflicting(tmp_path):
    lab = make_lab(
        tmp_path,
        '[roles.nfs]\nexports = [{ path = "/srv/a", clients = ["toto"], options = ["rw"] }]\n',
        """
        [roles.backup]
        exports = [{ path = "/srv/a", clients = ["toto"], options = ["ro"] }]
        [domains."x.lab".services.b]
        role = "backup"
        host = "nancy"
        """,
    )
    with pytest.raises(ModelError) as caught:
        declared_entries(lab, "nancy")
    assert "b0.toml: roles.backup.exports[0].clients[0]" in str(caught.value)
    assert "a.toml: roles.nfs.exports[0].clients[0]" in str(caught.value)


@pytest.mark.parametrize(
    ("export", "key", "words"),
    [
        ('{ path = "srv/a", clients = ["toto"] }', "roles.nfs.exports[0].path", "absolute"),
        ('{ path = "/srv/a/../b", clients = ["toto"] }', "roles.nfs.exports[0].path", "normalised"),
        ('{ path = "/srv/a", clients = ["toto"], options = ["bogus"] }', "exports[0].options", "unknown"),
        (
            '{ path = "/srv/a", clients = ["toto"], options = ["ro", "rw"] }',
            "exports[0].options",
            "contradict",
        ),
        (
            '{ path = "/srv/a", clients = ["toto"], options = ["ro (sync)"] }',
            "exports[0].options",
            "whitespace",
        ),
        ('{ path = "/srv/a", clients = [] }', "roles.nfs.exports[0].clients", "world"),
        ('{ path = "/srv/a", clients = ["toto"], options = ["anonuid=x"] }', "exports[0].options", "invalid"),
    ],
)
def test_bad_exports_name_file_and_key(tmp_path, export, key, words):
    lab = make_lab(tmp_path, f"[roles.nfs]\nexports = [{export}]\n")
    with pytest.raises(ModelError) as caught:
        exports_text(lab, "nancy")
    message = str(caught.value)
    assert "a.toml" in message and key in message and words in message


def test_unknown_client_is_caught_when_the_lab_loads(tmp_path):
    with pytest.raises(ModelError) as caught:
        make_lab(tmp_path, '[roles.nfs]\nexports = [{ path = "/srv/a", clients = ["tot"] }]\n')
    assert "roles.nfs.exports[0].clients[0]" in str(caught.value)
    assert "did you mean" in str(caught.value)


def test_same_fsid_on_two_paths_is_refused(tmp_path):
    lab = make_lab(
        tmp_path,
        """
        [roles.nfs]
        exports = [
          { path = "/srv/a", clients = ["toto"], options = ["fsid=1"] },
          { path = "/srv/b", clients = ["toto"], options = ["fsid=1"] },
        ]
        """,
    )
    with pytest.raises(ModelError, match=r"roles\.nfs\.exports\[1\]\.options: .*fsid=1"):
        exports_text(lab, "nancy")


# -- the exports(5) reader ----------------------------------------------------------------------


def test_space_before_parenthesis_is_a_fault():
    parsed = parse_exports("/srv/a 127.0.1.4 (rw)\n")
    assert len(parsed.faults) == 1
    number, message = parsed.faults[0]
    assert number == 1 and "space before '('" in message and "world" in message


def test_reader_flags_what_exportfs_would_reject_or_take_silently():
    text = textwrap.dedent(
        """\
        # a comment
        /srv/a 127.0.1.4(ro,no_subtree_check) 127.0.1.0/24(ro)
        "/srv/with space" *(ro)
        /srv/b 127.0.1.4(ro,bogus) \\
            127.0.1.5(rw,ro)
        /srv/b 127.0.1.4(rw)
        srv/c 127.0.1.4(ro)
        /srv/d
        """
    )
    parsed = parse_exports(text)
    assert parsed.entries[:3] == [
        ExportEntry("/srv/a", "127.0.1.4", ("ro", "no_subtree_check")),
        ExportEntry("/srv/a", "127.0.1.0/24", ("ro",)),
        ExportEntry("/srv/with space", "*", ("ro",)),
    ]
    messages = [f"{n}: {m}" for n, m in parsed.faults]
    assert any(m.startswith("4: ") and "unknown export option 'bogus'" in m for m in messages)
    assert any(m.startswith("4: ") and "contradict" in m for m in messages)
    assert any(m.startswith("6: ") and "twice with different options" in m for m in messages)
    assert any(m.startswith("7: ") and "not absolute" in m for m in messages)
    assert any(m.startswith("8: ") and "no client" in m for m in messages)
    assert len(messages) == 5


def test_a_comment_after_an_entry_is_a_fault_as_for_exportfs():
    # exportfs 2.6: "/srv/m 127.0.1.4(ro) # note" -> "syntax error: bad option list", exit 1.
    parsed = parse_exports("# fine\n/srv/m 127.0.1.4(ro) # note\n")
    assert [n for n, _ in parsed.faults] == [2]
    assert "starts a comment only at the start of a line" in parsed.faults[0][1]


def test_render_never_writes_a_space_before_parenthesis_and_reads_back():
    entries = [
        ExportEntry("/srv/a b", "127.0.1.4", ("rw", "sync")),
        ExportEntry("/srv/a b", "*", ("ro",)),
        ExportEntry("/srv/c", "127.0.1.0/24", ()),
    ]
    text = render_exports(entries)
    assert " (" not in text
    assert parse_exports(text).entries == entries
    with pytest.raises(ValueError, match="do not read back"):
        render_exports([ExportEntry("/srv/a", "127.0.1.4", ("nonsense",))])


def test_options_whitelist():
    assert check_option("no_subtree_check") is None
    assert check_option("sec=krb5p:sys") is None
    assert check_option("fsid=root") is None
    assert "takes no value" in check_option("rw=1")
    assert "needs a value" in check_option("anonuid")
    assert "did you mean no_root_squash" in check_option("no_root_sqash")
    assert check_options(["rw", "sync", "no_root_squash"]) == []
    assert check_options(["anonuid=1", "anonuid=2"]) == [
        "option 'anonuid' is given twice ('anonuid=1' and 'anonuid=2')"
    ]


# -- what exportfs -v reports -------------------------------------------------------------------

EXPORTFS_V = (
    "/srv/a-rather-long-directory-name\n"
    "\t\t127.0.1.4(sync,wdelay,hide,no_subtree_check,fsid=7,sec=sys,ro,root_squash,no_all_squash)\n"
    "/srv/m        \t127.0.1.5(async,wdelay,hide,crossmnt,no_subtree_check,sec=sys,ro,"
    "root_squash,no_all_squash)\n"
    "/srv/with space\n"
    "\t\t<world>(sync,wdelay,hide,no_subtree_check,sec=sys,ro,root_squash,no_all_squash)\n"
)


def test_exportfs_verbose_is_read_on_one_or_two_lines():
    entries = parse_exportfs_verbose(EXPORTFS_V)
    assert [(e.path, e.client) for e in entries] == [
        ("/srv/a-rather-long-directory-name", "127.0.1.4"),
        ("/srv/m", "127.0.1.5"),
        ("/srv/with space", "*"),
    ]
    assert "fsid=7" in entries[0].options and "async" in entries[1].options


def test_missing_from_compares_only_what_exportfs_shows():
    live = parse_exportfs_verbose(EXPORTFS_V)
    # `secure` and `nocrossmnt` are defaults that exportfs -v does not print: not a difference.
    same = [ExportEntry("/srv/m", "127.0.1.5", ("ro", "async", "crossmnt", "secure"))]
    assert missing_from(same, live) == []
    assert missing_from([ExportEntry("/srv/m", "127.0.1.5", ("rw",))], live)
    assert missing_from([ExportEntry("/srv/m", "127.0.1.5", ("ro", "sync"))], live)
    assert missing_from([ExportEntry("/srv/a-rather-long-directory-name", "127.0.1.4", ("fsid=8",))], live)
    assert missing_from([ExportEntry("/srv/m", "127.0.1.6", ("ro",))], live)
    assert contradicted_by(["no_root_squash"], ["root_squash"]) == ["no_root_squash"]


# -- the NixOS form -----------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("nix-instantiate") is None, reason="needs nix-instantiate (nix-bin)")
def test_nixos_form_evaluates_to_the_same_text(tmp_path):
    from elenta.nix import nix_environment

    text = "# odd ''quotes'' and ${braces}\n/srv/a 127.0.1.4(ro)\n\n/srv/b *(rw)\n"
    module = tmp_path / "exports.nix"
    module.write_text(nixos_exports(text))
    done = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--json", str(module)],
        env=nix_environment(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["services"]["nfs"]["server"]["exports"] == text


# -- the command --------------------------------------------------------------------------------


def test_elenta_nfs_plan_prints_each_nfs_host_exports(capsys):
    nfs(Context(), "plan", lab=str(REPO / "examples" / "lab"))
    out = capsys.readouterr().out
    assert "nancy.canon: exports" in out
    assert "/srv/backup 127.0.1.2(rw,sync,no_subtree_check)" in out


def test_elenta_nfs_plan_fault_exits_2_naming_file_and_key(tmp_path):
    make_lab(
        tmp_path, '[roles.nfs]\nexports = [{ path = "/a", clients = ["toto"], options = ["rw", "ro"] }]\n'
    )
    with pytest.raises(Exit) as caught:
        nfs(Context(), "plan", lab=str(tmp_path))
    assert caught.value.code == 2
    assert "a.toml: roles.nfs.exports[0].options: options 'ro' and 'rw' contradict" in str(
        caught.value.message
    )
    with pytest.raises(Exit) as caught:
        nfs(Context(), "frobnicate", lab=str(tmp_path))
    assert caught.value.code == 2


def test_a_role_with_exports_but_no_nfs_flag_is_still_deployed(tmp_path):
    from elenta.deploys import nfs as nfs_deploy
    from elenta.inventory import host_data

    lab = make_lab(tmp_path, '[roles.nfs]\nexports = [{ path = "/srv/a", clients = ["toto"] }]\n')
    assert nfs_hosts(lab) == ["nancy"]

    class Host:
        data = host_data(lab, "nancy", no_dns=True)

    assert "nfs" not in Host.data["elenta_subsystems"]
    assert nfs_deploy.wanted(Host)
    Host.data = host_data(lab, "toto", no_dns=True)
    assert not nfs_deploy.wanted(Host)


def test_an_nfs_role_without_exports_renders_an_empty_file(tmp_path):
    lab = make_lab(tmp_path, "[roles.nfs]\nnfs = true\n")
    assert nfs_hosts(lab) == ["nancy"]
    assert [line for line in exports_text(lab, "nancy").splitlines() if not line.startswith("#")] == []


def test_path_wide_options_must_agree_across_clients(tmp_path):
    lab = make_lab(
        tmp_path,
        """
        [roles.nfs]
        exports = [
          { path = "/srv/a", clients = ["toto"], options = ["rw", "fsid=1"] },
          { path = "/srv/a", clients = ["lab"], options = ["ro", "fsid=2"] },
        ]
        """,
    )
    with pytest.raises(ModelError) as caught:
        exports_text(lab, "nancy")
    assert len(caught.value.faults) == 1
    fault = caught.value.faults[0]
    assert fault.key == "roles.nfs.exports[1].options"
    assert "fsid=2 here and fsid=1 at" in fault.message and "exports[0].clients[0]" in fault.message


def test_rw_for_one_host_and_ro_for_its_network_is_fine(tmp_path):
    text = make_lab_and_render(
        tmp_path,
        """
        [roles.nfs]
        exports = [
          { path = "/srv/a", clients = ["toto"], options = ["rw", "fsid=1"] },
          { path = "/srv/a", clients = ["lab"], options = ["ro", "fsid=1"] },
        ]
        """,
    )
    assert text.splitlines()[-1] == "/srv/a 127.0.1.2(rw,fsid=1) 127.0.1.0/24(ro,fsid=1)"
