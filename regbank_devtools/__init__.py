"""Developer tools the kit's tests, the application's tests and benchmarks, and the
calibration share: a throwaway PostgreSQL 15 cluster, the statistics they report.

Never installed on a server: the registry application's wheel carries none of it. It
stands on the foundation and imports nothing else of the kit (docs/architecture.md,
"Code layers").
"""
