"""The large synthetic region: what `make bench` measures and `load_sample_activity
--large` loads on the lab before the capacity planner's calibration.

Sixty МО of uneven size, three years, 100 000 cards and 5 million audit events: about
thirty times the sample region's volumes (analytics.synthetic.large_specs). No Django
imports: the bench reads these before it sets Django up.
"""

MO = 60
YEARS = (2023, 2024, 2025)
EVENTS = 5_000_000
CARDS = 100_000
SEED = 7
