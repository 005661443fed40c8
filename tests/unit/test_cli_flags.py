"""Every command's options, read off the real parsers: one meaning per short flag, help everywhere."""

from __future__ import annotations

import argparse

from elenta.command.flags import SHORT_FLAGS
from elenta.command.parser import build_parser, subcommand_parsers, task_arguments
from elenta.tasks import namespace
from tests.cli import run_elenta
from tests.conftest import REPO


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings]


def test_every_short_flag_means_one_option_across_every_command() -> None:
    parsers = subcommand_parsers(build_parser(namespace))
    assert set(parsers) == set(namespace.task_names)  # every task is a command
    meaning: dict[str, set[str]] = {}
    for parser in parsers.values():
        for action in _options(parser):
            shorts = [o for o in action.option_strings if not o.startswith("--")]
            longs = [o for o in action.option_strings if o.startswith("--")]
            for short in shorts:
                meaning.setdefault(short, set()).update(longs)
    clashes = {short: longs for short, longs in meaning.items() if len(longs) != 1}
    assert not clashes, f"short flags with several meanings: {clashes}"
    assert meaning["-l"] == {"--lab"} and meaning["-h"] == {"--help"}


def test_only_names_subsystems_on_every_command_that_takes_it() -> None:
    """`--only` is a subsystem filter wherever it appears; other selections get names of their own."""
    takers = []
    for name, parser in subcommand_parsers(build_parser(namespace)).items():
        for action in _options(parser):
            if "--only" in action.option_strings:
                takers.append(name)
                assert "subsystems" in (action.help or ""), f"elenta {name} --only: {action.help}"
    assert {"deploy", "switch", "boot", "apply"} <= set(takers) and "nixos" not in takers


def test_nixos_show_selects_an_attribute_path_with_attr() -> None:
    import json

    lab = ("--lab", "examples/lab")
    shown = run_elenta("nixos", "show", "archimedes", "--attr", "containers", *lab, cwd=REPO)
    assert shown.returncode == 0, shown.stderr
    assert "autoStart" in json.dumps(json.loads(shown.stdout))
    old = run_elenta("nixos", "show", "archimedes", "--only", "containers", *lab, cwd=REPO)
    assert old.returncode == 2 and "unrecognized arguments: --only containers" in old.stderr
    nothing = run_elenta("nixos", "show", "toto", "--attr", "no.such", *lab, cwd=REPO)
    assert nothing.returncode == 2 and "toto's module sets nothing at 'no.such'" in nothing.stderr


def test_invoke_gives_no_short_flag_of_its_own() -> None:
    """`inv` runs the same tasks: it must not give `-l` or `-o` a meaning of its own either."""
    for name in namespace.task_names:
        for argument in task_arguments(namespace[name]):
            shorts = [n for n in argument.names if len(n) == 1]
            assert not shorts or SHORT_FLAGS.get(argument.names[0]) == f"-{shorts[0]}", (name, argument.names)


def test_every_option_and_argument_has_help_and_every_command_a_summary() -> None:
    top = build_parser(namespace)
    for name, parser in subcommand_parsers(top).items():
        assert parser.description, name
        for action in parser._actions:
            assert action.help, f"elenta {name}: {action.option_strings or action.dest} has no help"


def test_inv_shows_help_on_every_option_too() -> None:
    for name in namespace.task_names:
        for argument in task_arguments(namespace[name]):
            assert argument.help, f"inv {name} --{argument.names[0]} has no help"


def test_every_command_takes_lab_and_verbose() -> None:
    for name, parser in subcommand_parsers(build_parser(namespace)).items():
        strings = {o for a in _options(parser) for o in a.option_strings}
        assert {"-l", "--lab", "-v", "--verbose", "-h"} <= strings, name


def test_help_shows_only_elentas_options_usage_and_examples() -> None:
    top = run_elenta("--help", cwd=REPO)
    assert top.returncode == 0
    assert (
        "--core-opts" not in top.stdout
        and "--echo" not in top.stdout
        and "--prompt-for-sudo" not in top.stdout
    )
    assert "exit codes:" in top.stdout
    for name in namespace.task_names:
        assert f"    {name} " in top.stdout or f"    {name}\n" in top.stdout, name
    deploy = run_elenta("deploy", "--help", cwd=REPO)
    assert deploy.returncode == 0
    assert deploy.stdout.startswith("usage: elenta deploy ")
    assert "Docstring:" not in deploy.stdout and "examples:\n  elenta deploy" in deploy.stdout
    dns = run_elenta("dns", "--help", cwd=REPO).stdout
    assert "{plan,apply}" in dns and "--action" not in dns and "-a STRING" not in dns


def test_check_accepts_lab_like_every_command() -> None:
    result = run_elenta("check", "--lab", "examples/lab", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: examples/lab/cadaster.toml")


def test_lab_flag_is_the_lab_on_deploy_too(example_lab_copy) -> None:
    """`elenta deploy -l /srv/mylab` used to mean `--only /srv/mylab`: now -l is --lab everywhere."""
    result = run_elenta("deploy", "-l", str(example_lab_copy), "--on", "nope", cwd=REPO)
    assert result.returncode == 2
    assert f"{example_lab_copy}/cadaster.toml: --on nope: unknown machine" in result.stderr


def test_argument_errors_exit_2_naming_the_command() -> None:
    for argv in (
        ["deploy", "--bogus"],
        ["dns", "plot"],
        ["lookup"],
        ["netboot", "gc", "--keep", "many"],
        ["nosuch"],
    ):
        result = run_elenta(*argv, cwd=REPO)
        assert result.returncode == 2, (argv, result.stderr)
        assert "error:" in result.stderr and result.stdout == "", argv
        assert "Traceback" not in result.stderr
    assert "elenta deploy: error: unrecognized arguments: --bogus" in run_elenta("deploy", "--bogus").stderr
    assert run_elenta("deploi").stderr.rstrip().endswith("did you mean 'deploy'?")
    assert run_elenta("dns", "aply").stderr.rstrip().endswith("did you mean 'apply'?")


def test_inv_still_runs_the_collection() -> None:
    import subprocess
    import sys

    inv = subprocess.run(
        [sys.executable, "-m", "invoke", "--list"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert inv.returncode == 0, inv.stderr
    listed = sorted(
        line.split()[0] for line in inv.stdout.splitlines() if line[:3].strip() and line.startswith("  ")
    )
    assert listed == sorted(namespace.task_names)
    machines = subprocess.run(
        [sys.executable, "-m", "invoke", "machines", "--lab", "examples/lab"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert machines.returncode == 0 and "toto.canon" in machines.stdout
