"""Database: engine and sessions, typed models, Alembic migrations."""
