"""The kit's foundation: what every other package stands on.

Nothing here imports any other package of the kit (regbank, capacity_planner,
security_profiles, the registry application): imports point down, and this is the
bottom (docs/architecture.md, "Code layers").
"""

# The kit is one distribution (pyproject.toml): its packages share this version.
__version__ = "0.1.0"
