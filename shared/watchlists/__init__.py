"""Sanctions lists: parsers for each official format, versioned loading, and read access.

- `sources.read_entries(format_spec, list_id)`: parse `FORMAT:PATH[,PATH...]` without a database.
- `load.load_list(format_spec, list_id, sessions, producer, topic) -> LoadReport`: a new version
  in PostgreSQL, its changes published to `watchlist.entries.v1`.
- `repository`: the only module here that imports SQLAlchemy; list versions, changes, entries.

Formats and rules: docs/lists.md.
"""
