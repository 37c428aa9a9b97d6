"""Alembic environment: the project's models, the URL from core.migrate.alembic_config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

import core.models  # noqa: F401 - registers the core tables
import credit.models  # noqa: F401 - registers every feature package's tables
import search.models  # noqa: F401 - registers the search document table
from core.db import Base, make_engine
from credit.monitoring.partitions import PARTITION_NAME

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Leave the readings' monthly partitions (made at run time) out of comparisons."""
    return not (type_ == "table" and name is not None and PARTITION_NAME.match(name))


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
