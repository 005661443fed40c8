"""Running one command: parse, call the task body, turn every outcome into an exit code.

`run(["machines", "--json"])` returns the exit code (`elenta.exitcodes`): argument errors 2,
an `ElentaError` its own code, Ctrl-C 130, a closed output pipe a quiet 141.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from invoke import Collection, Context
from invoke.exceptions import Exit, UnexpectedExit

from elenta.command.parser import Parameter, build_parser, subcommand_parsers, task_parameters
from elenta.command.pipes import CLOSED_PIPE_EXIT, flush_stdout, silence_stdout
from elenta.command.spec import spec_of
from elenta.exitcodes import BAD_INPUT, FAILED, INTERRUPTED, OK
from elenta.model.errors import ElentaError

VERBOSE_ENV = "ELENTA_VERBOSE"


def _values(value: Any, split: bool) -> list[str]:
    items = list(value or [])
    return [part for item in items for part in (item.split(",") if split else [item]) if part]


def task_kwargs(params: list[Parameter], args: argparse.Namespace, spec_body: Any) -> dict[str, Any]:
    """The keyword arguments of a task body from the parsed command line.

    Repeatable options take comma lists too (`--on a,b --on c`); a variadic positional gives its
    first value to itself and the rest to the option it names (`check A B` -> path=A, also=[B]).
    """
    spec = spec_of(spec_body)
    kwargs: dict[str, Any] = {}
    for param in params:
        if param.python == "lab":
            kwargs["lab"] = args.lab or ""
            continue
        if param.python == "verbose":
            kwargs["verbose"] = args.verbose
            continue
        value = getattr(args, param.python)
        if param.argument.kind is list and not param.argument.positional:
            value = _values(value, param.python not in spec.keep_commas)
        kwargs[param.python] = value
    for positional, rest in spec.variadic.items():
        values = kwargs.get(positional) or []
        kwargs[positional] = values[0] if values else None
        kwargs[rest] = [*values[1:], *(kwargs.get(rest) or [])]
    return kwargs


def _say(message: object) -> None:
    text = str(message).rstrip()
    if text:
        print(text, file=sys.stderr)


def run(argv: list[str], collection: Collection | None = None) -> int:
    """Run one command line (without the program name); return its exit code."""
    if collection is None:
        from elenta.tasks import namespace as collection
    parser = build_parser(collection, argv)
    args, extra = parser.parse_known_args(argv)  # exits 2 on an argument error, 0 after --help
    if extra:
        command = subcommand_parsers(parser).get(getattr(args, "_task", ""), parser)
        command.error(f"unrecognized arguments: {' '.join(extra)}")  # exits 2, with that command's usage
    if not getattr(args, "_command", None):
        parser.print_help(sys.stderr)
        return BAD_INPUT
    from elenta.tasks._common import choose_lab

    choose_lab(args.lab or "")
    if args.verbose:
        os.environ[VERBOSE_ENV] = str(args.verbose)
    task = collection[args._task]
    code = OK
    try:
        task.body(Context(), **task_kwargs(task_parameters(task), args, task.body))
    except Exit as exc:
        _say(exc.message or "")
        code = exc.code
    except ElentaError as exc:
        _say(f"error: {exc}" if "\n" not in str(exc) else exc)
        code = exc.exit_code
    except UnexpectedExit as exc:
        _say(f"error: {exc.result.command!r} exited {exc.result.exited}")
        code = FAILED
    except KeyboardInterrupt:
        _say("interrupted")
        code = INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return CLOSED_PIPE_EXIT
    if not flush_stdout():
        return CLOSED_PIPE_EXIT
    return code


def main(argv: list[str] | None = None) -> int:
    """`elenta …`: `sys.exit(main())`."""
    return run(sys.argv[1:] if argv is None else argv)
