"""Capacity planner: sizes every site of a region's data bank from its МО and volumes.

region.py (input) -> planner.py with model.py (sizing) -> report.py, plots.py,
ansible_vars.py (outputs); run.py ties them together for `regbank plan`. Planning is
pure Python: no Ansible, no network. calibrate/ is the exception, and only for
`regbank calibrate`: it measures a server (over SSH, through the inventory Ansible
renders) or an application started here, and writes the coefficients the planner reads.
"""
