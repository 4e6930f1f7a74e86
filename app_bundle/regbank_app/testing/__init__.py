"""Helpers for the application's tests: a throwaway PostgreSQL cluster and data builders."""
