"""The pyinfra deploys of the subsystems: one module per subsystem, named by its registration.

Each module (the `deploy` of its `elenta.subsystem.Subsystem`) defines

    def wanted(host) -> bool:          # from host.data, e.g. "dns" in host.data.elenta_subsystems
        ...

    @deploy("DNS zones")               # pyinfra.api.deploy
    def apply() -> None:
        ...                            # operations of elenta.operations.<subsystem>

`deploy.py` (through `elenta.pipeline.entry`) runs them in the subsystems' deploy order.
"""
