"""Results as JSON for `--json`: one function per result type, plain dicts and lists only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from elenta.pipeline.run import DeployReport


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
