"""Migration helper: give the foreign keys that point at `members` an ON DELETE action (CASCADE or SET NULL).

Erasing a member is then one `DELETE FROM members` whose effect the database itself carries to every
table, whatever feature code is loaded. SQLite cannot alter a constraint: the table is rebuilt (Alembic's
batch mode, with the database's foreign keys switched off around the migration by `Database.upgrade`);
PostgreSQL drops and re-creates each constraint under its own name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def member_keys(table: str, actions: dict[str, str]) -> None:
    """Set `ON DELETE <action>` on each listed column's foreign key to members.id."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table(table, recreate="always", naming_convention=SQLITE_NAMES) as batch:
            for column, action in actions.items():
                name = f"fk_{table}_{column}_members"
                batch.drop_constraint(name, type_="foreignkey")
                batch.create_foreign_key(name, "members", [column], ["id"], ondelete=action)
        return
    for fk in sa.inspect(bind).get_foreign_keys(table):
        column = fk["constrained_columns"][0]
        name = fk["name"] or f"{table}_{column}_fkey"  # PostgreSQL names every constraint
        if fk["referred_table"] == "members" and column in actions:
            op.drop_constraint(name, table, type_="foreignkey")
            op.create_foreign_key(name, table, "members", [column], ["id"], ondelete=actions[column])
