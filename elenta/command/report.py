"""Results as JSON for `--json`: one function per result type, plain dicts and lists only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from elenta.apply.pipeline import DeployReport
    from elenta.apply.status import HostStatus


def deploy_report_json(report: DeployReport) -> dict[str, Any]:
    """The final deploy table as JSON: `{"deploy_id", "action", "record", "ok", "hosts": [...]}`."""
    hosts = [
        {
            "host": r.canon,
            "action": r.action,
            "result": r.result,
            "seconds": round(r.seconds, 3),
            "detail": r.detail,
        }
        for r in report.results
    ]
    return {
        "deploy_id": report.deploy_id,
        "action": report.action,
        "record": str(report.folder),
        "ok": not report.failed,
        "hosts": hosts,
    }


def status_json(statuses: dict[str, HostStatus]) -> list[dict[str, Any]]:
    """`elenta status --json`: per host the desired system, the facts read, and compliance."""
    out = []
    for canon, st in statuses.items():
        out.append(
            {
                "host": canon,
                "desired": st.desired.as_dict(),
                "reachable": st.facts is not None,
                "error": st.error,
                "facts": st.facts,
                **(
                    {"compliance": st.columns}
                    if st.facts is not None
                    else {"compliance": {"compliant": False}}
                ),
            }
        )
    return out
