"""Architecture review of Compose files and requirement specs (issue 4)."""
