"""`avatar-creator`: the command line, thin over the services (entry point `main.main`)."""
