"""The hostdata subsystem: the compiled lab as JSON on every host, and the Nix function reading it."""

from elenta.subsystem import Subsystem


class Hostdata(Subsystem):
    """`discovery.json` for the lab, `host.json` per machine (deployed to every SSH host)."""

    name = "hostdata"
    order = 20
    deploy = "elenta.deploys.hostdata"
    render = "elenta.hostdata.render:hostdata_artifacts"
    drift_module = "elenta.hostdata.drift"


subsystem = Hostdata()
