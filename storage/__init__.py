"""Storage: typed SQLAlchemy models, the unit of work, repositories and Alembic migrations."""
