"""Evidence: browser capture to WARC and screenshot, the SHA-256 manifest, the custody log,
media encrypted at rest, HWPX and PDF reports, verification and export."""
