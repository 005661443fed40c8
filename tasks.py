"""`inv --list` in the repository shows the same tasks as `elenta --help`."""

from elenta.tasks import namespace

__all__ = ["namespace"]
