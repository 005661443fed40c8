"""The deploy pipeline: build locally, read facts, copy, activate, confirm or roll back, report.

`elenta deploy`, `inv deploy` (both through `elenta.pipeline.run.run_deploy`), a subsystem's own
command (`elenta dns apply`: `elenta.pipeline.subsystem_run`) and `pyinfra inventories/lab.py
deploy.py` run the same deploy file; the pipeline starts pyinfra with the one command line of
`elenta.pipeline.pyinfra_command`.
"""
