"""CLI commands: each module here defines ``register(subparsers)``.

A command's ``register`` adds its sub-parser and sets ``func`` to a callable that
takes the parsed arguments and returns an exit code. Logic lives in the packages;
these modules only parse, call and print.
"""
