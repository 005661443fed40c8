"""One argparse parser for the `elenta` command, read off the invoke task collection.

`build_parser(namespace).parse_args(["deploy", "--on", "@dns"])`. Each task becomes a command
with its positional arguments, its options (help from the task, short flags only from
`flags.SHORT_FLAGS`), the options every command takes (`--lab`, `-v`) and its examples.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn

from invoke import Argument, Collection, Task

from elenta import __version__
from elenta.command.flags import COMMON_HELP, option_strings
from elenta.command.spec import CommandSpec, spec_of
from elenta.exitcodes import TABLE

FORMATTER = argparse.RawDescriptionHelpFormatter
_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


class ElentaParser(argparse.ArgumentParser):
    """argparse, with a suggestion for a mistyped command or action: `did you mean 'deploy'?`."""

    def error(self, message: str) -> NoReturn:
        """Print usage and the message (exit 2), adding the closest valid choice if there is one."""
        found = _INVALID_CHOICE.search(message)
        if found:
            close = difflib.get_close_matches(found[1], re.findall(r"'([^']*)'", found[2]), n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
        super().error(message)


@dataclass(frozen=True)
class Parameter:
    """One argument of a task body: its Python name and invoke's view of it."""

    python: str
    argument: Argument
    required: bool
    """A positional argument without a default in the signature."""

    @property
    def option(self) -> str:
        """The long option name: `no-dns` for `no_dns`, `json` for `json_`."""
        return self.argument.names[0]


def task_arguments(task: Task) -> list[Argument]:
    """invoke's Arguments of a task, any number of times (invoke pops the help texts it reads)."""
    saved = dict(task.help)
    try:
        return task.get_arguments()
    finally:
        task.help = saved


def task_parameters(task: Task) -> list[Parameter]:
    """The body's arguments after the context, in signature order, with invoke's Argument each."""
    by_name = {a.names[0]: a for a in task_arguments(task)}
    signature = list(inspect.signature(task.body).parameters.values())[1:]
    return [
        Parameter(p.name, by_name[p.name.strip("_").replace("_", "-")], p.default is inspect.Parameter.empty)
        for p in signature
    ]


def summary(task: Task) -> str:
    """The first line of a task's docstring: what `elenta --help` shows beside its name."""
    return (inspect.getdoc(task.body) or "").strip().splitlines()[0] if task.body.__doc__ else ""


def _epilog(spec: CommandSpec) -> str | None:
    if not spec.examples:
        return None
    return "examples:\n" + "\n".join(f"  {line}" for line in spec.examples)


def _metavar(name: str) -> str:
    return name.upper().replace("-", "_")


def _help(argument: Argument) -> str:
    text = (argument.help or "").replace("%", "%%")  # argparse %-formats help strings
    default = argument.default
    if argument.kind in (int, float) and "default" not in text:
        text += f" (default: {default})"
    return text


def _add_positional(parser: argparse.ArgumentParser, param: Parameter, spec: CommandSpec) -> None:
    argument = param.argument
    kwargs: dict[str, Any] = {"help": _help(argument), "metavar": _metavar(argument.names[0])}
    if param.python in spec.choices:
        kwargs["choices"] = spec.choices[param.python]
        kwargs["metavar"] = "{" + ",".join(spec.choices[param.python]) + "}"
    if param.python in spec.variadic:
        kwargs["nargs"] = "*"
    elif not param.required:
        kwargs["nargs"] = "?"
        kwargs["default"] = argument.default
    if argument.kind is int:
        kwargs["type"] = int
    parser.add_argument(param.python, **kwargs)


def _add_option(parser: argparse.ArgumentParser, param: Parameter) -> None:
    argument = param.argument
    flags = option_strings(param.option)
    common: dict[str, Any] = {"dest": param.python, "help": _help(argument)}
    if argument.kind is bool:
        if argument.default:
            parser.add_argument(f"--no-{param.option}", action="store_false", default=True, **common)
        else:
            parser.add_argument(*flags, action="store_true", default=False, **common)
    elif argument.incrementable:
        parser.add_argument(*flags, action="count", default=argument.default or 0, **common)
    elif argument.kind is list:
        parser.add_argument(*flags, action="append", default=None, metavar=_metavar(param.option), **common)
    else:
        kind = argument.kind if argument.kind in (int, float) else str
        parser.add_argument(
            *flags, type=kind, default=argument.default, metavar=_metavar(param.option), **common
        )


def add_common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """`--lab` and `-v` on `parser`; below the top level they default to what was given before."""
    default: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument(
        *option_strings("lab"),
        dest="lab",
        metavar="FOLDER",
        help=COMMON_HELP["lab"],
        **(default or {"default": ""}),
    )
    parser.add_argument(
        *option_strings("verbose"),
        dest="verbose",
        action="count",
        help=COMMON_HELP["verbose"],
        **(default or {"default": 0}),
    )


def add_task(subparsers: Any, name: str, task: Task) -> argparse.ArgumentParser:
    """Add one task as a command: positional arguments, then its options, then the common ones."""
    spec = spec_of(task.body)
    parser = subparsers.add_parser(
        name,
        help=summary(task),
        description=inspect.getdoc(task.body) or None,
        epilog=_epilog(spec),
        formatter_class=FORMATTER,
    )
    params = task_parameters(task)
    order = {n: i for i, n in enumerate(task.positional)}
    for param in sorted((p for p in params if p.argument.positional), key=lambda p: order[p.python]):
        _add_positional(parser, param, spec)
    for param in params:
        if not param.argument.positional and param.option not in COMMON_HELP:
            _add_option(parser, param)
    add_common_options(parser, top=False)
    parser.set_defaults(_task=name)
    return parser


def exit_codes_text() -> str:
    """The exit code table as `elenta --help` ends with it."""
    return "exit codes:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in TABLE)


def build_parser(collection: Collection, words: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line: `build_parser(namespace).parse_args(["machines", "--json"])`.

    With `words` (the command line about to be parsed), only the commands named there get their
    arguments; the others are listed with their summary alone (what `elenta --help` shows),
    which spares reading every task's signature at each start.
    """
    named = None if words is None else set(words)
    parser = ElentaParser(
        prog="elenta",
        description="Run a homelab of NixOS machines, switches and DNS from one source of truth.",
        epilog=f"Run `elenta COMMAND --help` for a command's options and examples.\n\n{exit_codes_text()}",
        formatter_class=FORMATTER,
    )
    parser.add_argument("-V", "--version", action="version", version=f"elenta {__version__}")
    add_common_options(parser, top=True)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", dest="_command")
    for name in collection.task_names:
        if named is None or name in named:
            add_task(subparsers, name, collection[name])
        else:
            subparsers.add_parser(name, help=summary(collection[name]))
    return parser


def subcommand_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every command's parser by name (for help pages and the flag tests)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}
