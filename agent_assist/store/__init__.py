"""Local call history (SQLite), its export and the ``history`` CLI commands."""
