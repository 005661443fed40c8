"""Child processes that cannot outlive the deploy that started them.

`subprocess.Popen(argv, preexec_fn=death_signal(), process_group=0)`: the child gets SIGKILL when
the process that started it dies (even by `kill -9`), through Linux's parent-death signal, and
(with `process_group=0`) sits in its own process group, so a Ctrl-C at the terminal reaches only
the deployer, which decides what the child does (`elenta.pipeline.run.run_pyinfra`).
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def death_signal() -> Callable[[], None]:
    """A `preexec_fn` that has the kernel SIGKILL the child when this process dies."""
    parent = os.getpid()

    def arm() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)  # the parent died before the signal was armed

    return arm
