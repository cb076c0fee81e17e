"""`python -m takedown.cli` runs the `takedown` command."""

from takedown.cli.main import main

main()
