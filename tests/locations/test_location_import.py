"""CSV import of locations and assignments: a dry run reports row errors by line number,
and a file applies whole or not at all (API, upload page and command line)."""

from __future__ import annotations

import pytest
from click.testing import Result
from typer.testing import CliRunner

from commissary.cli import app
from commissary.db import Database
from commissary.settings import get_settings
from commissary.testing import Shop, csrf_of
from tests.helpers import user

LOCATIONS = """code,name,address,parent_code,manager_email
store-1,Store One,1 Quay,coast,
west,West Region,,,manager@acme.test
coast,Coast District,,west,
"""


@pytest.fixture
def admin_api(shop: Shop):  # type: ignore[no-untyped-def]
    return shop.api(shop.user("admin@acme.test", roles=["tenant_admin"]))


def _codes(api) -> dict[str, int | None]:  # type: ignore[no-untyped-def]
    found = api.get("/locations").json()
    by_id = {x["id"]: x["code"] for x in found}
    return {x["code"]: by_id.get(x["parent_id"]) for x in found}


def test_a_dry_run_checks_everything_and_changes_nothing(admin_api) -> None:  # type: ignore[no-untyped-def]
    before = _codes(admin_api)
    r = admin_api.post("/locations/import", json={"csv": LOCATIONS, "dry_run": True})
    assert r.status_code == 200, r.text
    assert r.json() == {"dry_run": True, "rows": 3, "created": 3, "updated": 0, "errors": []}
    assert _codes(admin_api) == before

    done = admin_api.post("/locations/import", json={"csv": LOCATIONS, "dry_run": False})
    assert done.json()["errors"] == []
    codes = _codes(admin_api)
    assert (codes["west"], codes["coast"], codes["store-1"]) == (None, "west", "coast")


def test_row_errors_name_their_line_and_nothing_is_applied(admin_api) -> None:  # type: ignore[no-untyped-def]
    bad = (
        "code,name,parent_code,manager_email\n"
        "ok-1,Fine,,\n"
        ",No code,,\n"
        "x-2,Lost,nowhere,\n"
        "x-3,Nobody,,ghost@acme.test\n"
    )
    r = admin_api.post("/locations/import", json={"csv": bad, "dry_run": False})
    assert r.json()["errors"] == [
        {"line": 3, "message": "a location code is 1-40 characters"},
        {"line": 4, "message": "there is no location nowhere to place it under"},
        {"line": 5, "message": "there is no user ghost@acme.test"},
    ]
    assert "ok-1" not in _codes(admin_api)
    header = admin_api.post("/locations/import", json={"csv": "name\nx\n", "dry_run": True})
    assert header.json()["errors"] == [
        {"line": 1, "message": "the header (line 1) lacks the column(s) code"}
    ]


def test_assignments_import_sets_default_and_extra_locations(shop: Shop, admin_api) -> None:  # type: ignore[no-untyped-def]
    admin_api.post("/locations/import", json={"csv": LOCATIONS, "dry_run": False})
    rows = (
        "email,default_location,locations,may_enter_address\n"
        "buyer@acme.test,store-1,coast;west,yes\n"
        "nobody@acme.test,store-1,,\n"
        "buyer@acme.test,store-1,,maybe\n"
    )
    r = admin_api.post("/locations/assignments/import", json={"csv": rows, "dry_run": False})
    assert [e["line"] for e in r.json()["errors"]] == [3, 4]
    good = "\n".join(rows.splitlines()[:2]) + "\n"
    r = admin_api.post("/locations/assignments/import", json={"csv": good, "dry_run": False})
    assert r.json()["errors"] == [] and r.json()["updated"] == 1
    buyer = user(shop, "buyer@acme.test")
    mine = shop.api(buyer).get("/me/locations").json()
    assert [x["code"] for x in mine["locations"]] == ["store-1", "coast", "west"]
    assert mine["may_enter_address"] is True


def test_the_upload_page_previews_then_imports(shop: Shop) -> None:
    admin = shop.user("boss@acme.test", roles=["tenant_admin"])
    browser = shop.browser(admin)
    page = browser.get("/t/acme/admin/locations/import")
    assert page.status_code == 200 and "Import locations" in page.text
    files = {"file": ("locations.csv", LOCATIONS.encode(), "text/csv")}
    preview = browser.post(
        "/t/acme/admin/locations/import",
        data={"csrf_token": csrf_of(browser), "kind": "locations", "dry_run": "1"},
        files=files,
    )
    assert preview.status_code == 200
    assert "3 rows" in preview.text and "would be created" in preview.text
    done = browser.post(
        "/t/acme/admin/locations/import",
        data={"csrf_token": csrf_of(browser), "kind": "locations"},
        files=files,
    )
    assert done.status_code == 303
    assert "Coast District" in browser.get("/t/acme/admin/locations").text


@pytest.fixture
def cli(commissary_database: Database, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COMMISSARY_DATABASE_URL", commissary_database.url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str, stdin: str = "") -> Result:
        return runner.invoke(app, list(args), input=stdin)

    yield run
    get_settings.cache_clear()


def test_the_command_line_imports_with_a_dry_run_first(shop: Shop, cli, admin_api) -> None:  # type: ignore[no-untyped-def]
    dry = cli("locations", "import", "-", "--tenant", "acme", "--dry-run", stdin=LOCATIONS)
    assert dry.exit_code == 0, dry.output
    assert "the file is fine" in dry.output
    assert "west" not in _codes(admin_api)
    bad = cli("locations", "import", "-", "--tenant", "acme", stdin="code,name\n,x\n")
    assert bad.exit_code == 1
    assert "line 2" in bad.stderr
    done = cli("locations", "import", "-", "--tenant", "acme", stdin=LOCATIONS)
    assert done.exit_code == 0, done.output
    assert "imported" in done.output
    assert _codes(admin_api)["store-1"] == "coast"
