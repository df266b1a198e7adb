"""The database (TinyDB with atomic, backed-up writes) and the encrypted key vault."""
