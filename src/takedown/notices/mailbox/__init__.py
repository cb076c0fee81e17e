"""The center's mailbox: incoming replies and bounces read back, threaded to their requests."""
