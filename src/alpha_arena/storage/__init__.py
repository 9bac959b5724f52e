"""SQLAlchemy tables, repositories and Alembic migrations. Nothing above this package imports SQL."""
