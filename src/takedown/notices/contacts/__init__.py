"""takedown."""
