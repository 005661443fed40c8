"""Every subsystem's deploy on each host: `pyinfra inventories/lab.py deploy.py`.

`elenta deploy` and `inv deploy` run this same file in a child pyinfra process (see
`elenta.pipeline.run`); `ELENTA_SUBSYSTEMS=nixos,dns` narrows which subsystems run.
"""

from elenta.pipeline.entry import run_subsystem_deploys

run_subsystem_deploys()
