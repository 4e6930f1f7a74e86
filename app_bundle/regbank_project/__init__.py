"""The project shell: URLs and the pages that gather every app (home, health)."""
