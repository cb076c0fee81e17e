"""Routes of the review UI, one module per area."""
