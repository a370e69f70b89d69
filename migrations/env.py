"""Alembic's environment under Flask-Migrate: the site's engine and our models' metadata."""

from __future__ import annotations

from alembic import context
from flask import current_app

config = context.config


def _database():
    return current_app.extensions["migrate"].db


def run_migrations_offline() -> None:
    """`flask db upgrade --sql`: the SQL of the migrations, for a database administrator to apply."""
    url = _database().engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=_database().metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with _database().engine.connect() as connection:
        # SQLite cannot alter a table in place: batch mode rebuilds it, which later migrations will need.
        context.configure(connection=connection, target_metadata=_database().metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
