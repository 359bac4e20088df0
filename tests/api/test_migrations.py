"""The Alembic migrations: head matches the models, and downgrade/upgrade round-trips, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from api.storage.db import MIGRATIONS_DIR, make_engine, upgrade_to_head
from api.storage.models import Base


def test_head_matches_the_models_and_round_trips(database) -> None:
    engine = make_engine(database.url, connect_args=database.connect_args)
    upgrade_to_head(engine)
    upgrade_to_head(engine)  # a second start finds nothing to do
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the models' UTCDateTime is a DateTime(timezone=True) in the database: not a difference
    assert [d for d in differences if d[0] != "modify_type"] == []
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(engine)
    assert {"certificates", "history", "users"} <= set(inspect(engine).get_table_names())
    engine.dispose()
