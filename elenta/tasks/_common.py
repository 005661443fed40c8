"""What every task shares: turning elenta's errors into clean exits, and finding the lab."""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from invoke.exceptions import Exit

from elenta.model.errors import ElentaError, ModelError

if TYPE_CHECKING:
    from elenta.model.lab import Lab

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_LAB = "examples/lab"


def reports_errors(body: F) -> F:
    """Wrap a task body so an ElentaError prints one clear message and exits with its code.

    `@task` over `@reports_errors` over `def check(c, path=""): ...`
    """

    @functools.wraps(body)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return body(*args, **kwargs)
        except ElentaError as exc:
            raise Exit(f"error: {exc}" if "\n" not in str(exc) else str(exc), code=exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


_lab_option: str = ""


def choose_lab(path: str) -> None:
    """Remember the command line's `--lab` for every task of this run: `choose_lab("/srv/lab")`."""
    global _lab_option
    _lab_option = path


def lab_path(path: str | None = None) -> Path:
    """The lab folder a task works on: `lab_path(lab)`.

    In order: the task's own argument, `--lab`, the nearest folder from here upward holding
    `elenta.toml` or a cadaster (like git), `$ELENTA_LAB`, `./examples/lab` (this repository).
    """
    chosen = path or _lab_option
    if chosen:
        return Path(chosen)
    from elenta.model.discover import SETTINGS_FILE, find_lab, is_lab_folder

    found = find_lab(Path.cwd())
    if found:
        return found
    if os.environ.get("ELENTA_LAB"):
        return Path(os.environ["ELENTA_LAB"])
    if is_lab_folder(Path(DEFAULT_LAB)):
        return Path(DEFAULT_LAB)
    raise ModelError.one(
        Path.cwd(),
        "(lab)",
        f"no lab here: no {SETTINGS_FILE} or cadaster in this folder or any above, and $ELENTA_LAB "
        "is not set; give --lab FOLDER (or run `elenta init`)",
    )


def open_lab(path: str | None = None) -> Lab:
    """Load the lab a task works on (see `lab_path`): `lab = open_lab(lab)`."""
    from elenta.model.lab import load_lab

    return load_lab(lab_path(path))


def checked_lab(path: str | None = None) -> Lab:
    """Load the lab and run the one validation `elenta check` and `elenta plan` run (every fault at
    once, exit 2), before a task touches any host or switch: `lab = checked_lab(lab)`."""
    from elenta.compile.checks import validate_lab

    lab = open_lab(path)
    validate_lab(lab)
    return lab


_default_formatwarning = warnings.formatwarning


def plain_warning(message, category, filename, lineno, line=None) -> str:  # type: ignore[no-untyped-def]
    """Show elenta's own warnings as `warning: <message>` lines (they already name file and key)."""
    if category.__module__.startswith("elenta."):
        return f"warning: {message}\n"
    return _default_formatwarning(message, category, filename, lineno, line)


warnings.formatwarning = plain_warning
