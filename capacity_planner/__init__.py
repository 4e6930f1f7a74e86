"""Capacity planner: sizes every site of a region's data bank from its МО and volumes.

region.py (input) -> planner.py with model.py (sizing) -> report.py, plots.py,
ansible_vars.py (outputs); run.py ties them together for `regbank plan`.
Pure Python: no Ansible and no network needed.
"""
