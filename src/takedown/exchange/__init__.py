"""Hash exchange with partner platforms: banks, an HMA-compatible lookup, fetch cursors, ingest."""
