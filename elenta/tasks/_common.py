"""What every task shares: turning elenta's errors into clean exits, and finding the lab."""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from invoke.exceptions import Exit

from elenta.model.errors import ElentaError

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


def lab_path(path: str | None = None) -> Path:
    """The lab folder a task works on: `--lab`, else `$ELENTA_LAB`, else `examples/lab`."""
    return Path(path or os.environ.get("ELENTA_LAB") or DEFAULT_LAB)


def open_lab(path: str | None = None) -> Lab:
    """Load the lab a task works on (see `lab_path`): `lab = open_lab(lab)`."""
    from elenta.model.lab import load_lab

    return load_lab(lab_path(path))


_default_formatwarning = warnings.formatwarning


def plain_warning(message, category, filename, lineno, line=None) -> str:  # type: ignore[no-untyped-def]
    """Show elenta's own warnings as `warning: <message>` lines (they already name file and key)."""
    if category.__module__.startswith("elenta."):
        return f"warning: {message}\n"
    return _default_formatwarning(message, category, filename, lineno, line)


warnings.formatwarning = plain_warning
