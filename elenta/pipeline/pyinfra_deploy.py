"""The deploy file the pipeline gives its pyinfra process: the same code as the repository's deploy.py."""

from elenta.pipeline.entry import run_subsystem_deploys

run_subsystem_deploys()
