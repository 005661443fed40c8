"""The host-side decision after an activation: confirmed or rolled back, claimed exactly once.

`activate` (elenta.operations.nixos) leaves `/run/elenta/<id>.rollback` and a watchdog; whoever
first creates `/run/elenta/<id>.decided` decides: `confirm_command("d1")` confirms (after the
health check commands), `rollback_now_command("d1")` rolls back, the watchdog rolls back on timeout.
"""

from __future__ import annotations

import shlex

RUN_DIR = "/run/elenta"


def confirm_command(deploy_id: str, checks: list[tuple[str, float]] | None = None) -> str:
    """One host-side command: run the health check commands, then claim the deploy, else roll back.

    Exit 0: confirmed. Exit 4: a check failed and the host was rolled back at once. Exit 3: too
    late, the watchdog had already rolled back. `checks` are `(command, timeout)` pairs.
    """
    d = f"{RUN_DIR}/{deploy_id}"
    lines = ['fail=""']
    for command, timeout in checks or []:
        quoted = shlex.quote(command)
        lines.append(
            f'if [ -z "$fail" ]; then timeout {max(1, int(timeout))} sh -c {quoted} >/dev/null 2>&1 '
            rf'|| fail="command \`"{quoted}"\` exited $?"; fi'
        )
    lines += [
        'if [ -n "$fail" ]; then',
        f"  if mkdir {d}.decided 2>/dev/null; then sh {d}.rollback > {d}.rollback.log 2>&1; fi",
        '  echo "health check failed: $fail" >&2; exit 4',
        "fi",
        f"if mkdir {d}.decided 2>/dev/null; then touch {d}.confirmed; echo confirmed; else",
        f'  echo "too late: $(cat {d}.reason 2>/dev/null || echo rolled back)" >&2; exit 3',
        "fi",
    ]
    return "\n".join(lines)


def rollback_now_command(deploy_id: str) -> str:
    """Roll a deploy back at once (a failed health check), unless it was already decided."""
    d = f"{RUN_DIR}/{deploy_id}"
    return (
        f"if mkdir {d}.decided 2>/dev/null; then sh {d}.rollback > {d}.rollback.log 2>&1; fi; "
        "echo rolled-back"
    )
