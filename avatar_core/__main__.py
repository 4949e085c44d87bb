"""`python -m avatar_core` runs the command line."""

from avatar_core.cli.main import main

raise SystemExit(main())
