"""The ``commissary`` command line, run as an operator would, against a scratch database."""

from __future__ import annotations

import pytest
from click.testing import Result
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from commissary.cli import app
from commissary.db import Database
from commissary.jobs.models import OutboxEvent
from commissary.settings import get_settings


@pytest.fixture
def cli(commissary_database: Database, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Runs ``commissary ...`` in-process, as the console script does."""
    monkeypatch.setenv("COMMISSARY_DATABASE_URL", commissary_database.url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> Result:
        done = runner.invoke(app, list(args))
        if ok:
            assert done.exit_code == 0, done.output + done.stderr
        return done

    yield run
    get_settings.cache_clear()


def test_operator_sets_up_a_tenant_from_the_command_line(
    cli, commissary_database: Database
) -> None:  # type: ignore[no-untyped-def]
    cli("db", "upgrade")
    cli("tenant", "create", "globex", "--name", "Globex", "--approval-threshold", "500")
    cli(
        "user",
        "create",
        "hank@globex.test",
        "--tenant",
        "globex",
        "--name",
        "Hank",
        "--role",
        "manager",
        "--password",
        "a-long-password",
    )
    cli(
        "plugins",
        "enable",
        "allowance",
        "--tenant",
        "globex",
        "--settings",
        '{"points_label": "credits"}',
    )
    listing = cli("plugins").stdout
    assert "allowance" in listing and "0.1.0" in listing
    with create_engine(commissary_database.url).connect() as conn:
        row = conn.execute(
            text(
                "SELECT t.approval_threshold_points, a.enabled, u.email FROM tenants t "
                "JOIN plugin_activations a ON a.tenant_id = t.id JOIN users u ON u.tenant_id = t.id"
            )
        ).one()
    assert tuple(row) == (500, True, "hank@globex.test")


def test_bad_command_line_input_gets_a_message_and_exit_2(cli) -> None:  # type: ignore[no-untyped-def]
    cli("tenant", "create", "globex", "--name", "Globex")
    dup = cli("tenant", "create", "globex", "--name", "Again", ok=False)
    assert dup.exit_code == 2 and "exists already" in dup.stderr
    bad = cli("tenant", "create", "Not A Slug", "--name", "x", ok=False)
    assert bad.exit_code == 2 and "slug" in bad.stderr
    weak = cli(
        "user", "create", "a@globex.test", "--tenant", "globex", "--password", "short", ok=False
    )
    assert weak.exit_code == 2 and "at least 10 characters" in weak.stderr
    role = cli(
        "user",
        "create",
        "a@globex.test",
        "--tenant",
        "globex",
        "--password",
        "long-enough-pw",
        "--role",
        "king",
        ok=False,
    )
    assert role.exit_code == 2 and "unknown role" in role.stderr
    settings = cli(
        "plugins", "enable", "allowance", "--tenant", "globex", "--settings", "{oops", ok=False
    )
    assert settings.exit_code == 2 and "not valid JSON" in settings.stderr
    invalid = cli(
        "plugins",
        "enable",
        "allowance",
        "--tenant",
        "globex",
        "--settings",
        '{"max_grant": 0}',
        ok=False,
    )
    assert invalid.exit_code == 2 and "max_grant" in invalid.stderr
    missing = cli("plugins", "enable", "nonesuch", "--tenant", "globex", ok=False)
    assert missing.exit_code == 2 and "not installed" in missing.stderr


def test_demo_loads_once_and_says_so_the_second_time(cli, commissary_database: Database) -> None:  # type: ignore[no-untyped-def]
    first = cli("demo")
    assert "buyer@acme.test" in first.stdout
    again = cli("demo", ok=False)
    assert again.exit_code == 2 and "exists already" in again.stderr
    assert "loaded already" in cli("demo", "--skip-existing").stdout
    with create_engine(commissary_database.url).connect() as conn:
        products = conn.execute(text("SELECT count(*) FROM products")).scalar()
        skus = conn.execute(text("SELECT count(*) FROM skus WHERE size IS NOT NULL")).scalar()
        points = conn.execute(text("SELECT sum(available) FROM allowance_wallets")).scalar()
        locations = conn.execute(text("SELECT count(*) FROM locations")).scalar()
    assert products == 40 + 4 and (skus or 0) > 100  # 4 adopted from the master catalog
    assert points == 1500 + 800 + 600
    assert locations == 4  # a region, a district, two stores


def test_worker_command_is_documented(cli) -> None:  # type: ignore[no-untyped-def]
    assert "outbox" in cli("worker", "--help").stdout
    assert OutboxEvent.__tablename__ == "outbox_events"
