"""The `elenta` command line, built on the invoke task collection (`elenta.tasks`).

The tasks stay what `inv` runs; this package gives them one parser of elenta's own: real
positional arguments, one meaning per short flag (`flags.SHORT_FLAGS`), options every command
takes (`--lab`, `-v`), usage lines and examples, exit codes from `elenta.exitcodes`.
A task added to `elenta.tasks` follows these rules with no edit here.
"""
