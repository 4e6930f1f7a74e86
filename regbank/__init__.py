"""regbank: the command line on top of the kit (docs/architecture.md, "Code layers")."""
