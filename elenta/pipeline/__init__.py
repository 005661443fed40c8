"""The deploy pipeline: build locally, read facts, copy, activate, confirm or roll back, report.

`elenta deploy`, `inv deploy` (both through `elenta.pipeline.run.run_deploy`) and
`pyinfra inventories/lab.py deploy.py` run the same operations (`elenta.deploys.nixos`).
"""
