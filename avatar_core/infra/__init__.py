"""Infrastructure: the database (models, sessions, migrations), image stores and metrics."""
