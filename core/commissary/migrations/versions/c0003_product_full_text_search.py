"""product full-text search

FTS5 on SQLite (an external-content index over ``products.search_text``, kept in step by
triggers), a generated ``tsvector`` column with a GIN index on PostgreSQL. Neither is in
the ORM models (they are the database's own machinery); the models-vs-migrations check
skips them.

A later SQLite migration that rebuilds ``products`` with a batch operation must recreate
the three triggers.

Revision ID: c0003
Revises: c0002
Create Date: 2026-11-28 22:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c0003"
down_revision: str | Sequence[str] | None = "c0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE product_search USING fts5("
    "search_text, content='products', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER product_search_ai AFTER INSERT ON products BEGIN "
    "INSERT INTO product_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER product_search_ad AFTER DELETE ON products BEGIN "
    "INSERT INTO product_search(product_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER product_search_au AFTER UPDATE OF search_text ON products BEGIN "
    "INSERT INTO product_search(product_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO product_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO product_search(product_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS product_search_au",
    "DROP TRIGGER IF EXISTS product_search_ad",
    "DROP TRIGGER IF EXISTS product_search_ai",
    "DROP TABLE IF EXISTS product_search",
]
POSTGRES_UP = [
    "ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', coalesce(search_text, ''))) STORED",
    "CREATE INDEX ix_products_search_vector ON products USING gin (search_vector)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_products_search_vector",
    "ALTER TABLE products DROP COLUMN IF EXISTS search_vector",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
