"""`python -m avatar_core` runs the command line."""

from avatar_core.cli import main

raise SystemExit(main())
