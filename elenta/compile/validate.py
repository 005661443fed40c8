"""Every artifact of the selected subsystems, rendered and validated before any host is touched.

`elenta check` and every deploy call this one function, so a lab that passes `check` cannot fail
a deploy for a reason `check` could have known:

    validate_artifacts(lab)                      # elenta check: every subsystem
    validate_artifacts(lab, ("nixos", "dns"))    # a deploy's scope; () means every subsystem

It runs each selected subsystem's `check` (its artifacts rendered and validated: zones through
`named-checkzone`, exports, switch configs, netboot inputs, host data); the lab itself was
validated when it was loaded. Every fault is raised at once in one CheckError (exit 2) naming
file and key.
"""

from __future__ import annotations

from elenta.compile.checks import CheckError
from elenta.model.lab import Lab


def validate_artifacts(lab: Lab, subsystems: tuple[str, ...] = ()) -> None:
    """Check the selected subsystems' artifacts; CheckError with every fault."""
    from elenta.subsystem import registered

    faults = [f for s in registered() if not subsystems or s.name in subsystems for f in s.check(lab)]
    if faults:
        raise CheckError(list(dict.fromkeys(faults)))
