"""SQLAlchemy tables, repositories and Alembic migrations; nothing above storage imports SQL."""
