"""The inventory file the pipeline gives its pyinfra process (the lab comes from `$ELENTA_LAB`)."""

from elenta.inventory import inventory_from_env

globals().update(inventory_from_env())
