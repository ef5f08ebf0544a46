"""Signing secrets are encrypted at rest, survive a key rotation, and the migration
encrypts the secrets stored before it (and the downgrade decrypts them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from commissary.migrate import alembic_config
from commissary.settings import Settings
from commissary.testing import Shop
from commissary_webhooks import sealing
from commissary_webhooks.service import rekey_all
from commissary_webhooks.signing import verify
from tests.notifications.peers import HttpReceiver
from tests.plugins.webhooks.conftest import KEY
from tests.plugins.webhooks.test_webhooks import (
    add_endpoint,
    admin,
    drain,
    make_due,
    order,
)


def stored(shop: Shop, endpoint_id: int) -> str:
    with shop.portal.db.session() as s:
        return str(
            s.execute(
                text("SELECT secret_sealed FROM webhook_endpoints WHERE id = :id"),
                {"id": endpoint_id},
            ).scalar_one()
        )


def use_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str, *old: str) -> None:
    settings = Settings(secret_key=key, data_dir=tmp_path)
    monkeypatch.setattr(sealing, "get_settings", lambda: settings)
    if old:
        monkeypatch.setenv(sealing.OLD_KEYS_ENV, "[" + ",".join(f'"{k}"' for k in old) + "]")
    else:
        monkeypatch.delenv(sealing.OLD_KEYS_ENV, raising=False)


def test_the_database_holds_no_secret_in_clear(hooked: Shop, receiver: HttpReceiver) -> None:
    endpoint = add_endpoint(hooked, receiver.url)
    secret = endpoint["secret"]
    sealed = stored(hooked, endpoint["id"])
    assert secret not in sealed and secret.removeprefix("whsec_") not in sealed
    assert sealed.startswith("gAAAA")  # a Fernet token
    assert sealing.unseal(sealed) == secret
    # Rotating makes a new secret (shown once) and the old one stops signing.
    rotated = admin(hooked).post(f"/webhooks/endpoints/{endpoint['id']}/secret").json()
    assert rotated["secret"] != secret and rotated["secret"] not in stored(hooked, endpoint["id"])
    order(hooked)
    drain(hooked)
    [hit] = receiver.hits
    args = (hit.headers["x-commissary-timestamp"], hit.body, hit.headers["x-commissary-signature"])
    assert verify(rotated["secret"], *args) and not verify(secret, *args)


def test_a_key_rotation_keeps_deliveries_going(
    hooked: Shop, receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    endpoint = add_endpoint(hooked, receiver.url)
    before = stored(hooked, endpoint["id"])
    # The operator sets a new key and lists the old one: secrets still open.
    use_keys(monkeypatch, tmp_path, "a-brand-new-key", KEY)
    order(hooked, "k1")
    drain(hooked)
    assert len(receiver.hits) == 1
    assert verify(
        endpoint["secret"],
        receiver.hits[0].headers["x-commissary-timestamp"],
        receiver.hits[0].body,
        receiver.hits[0].headers["x-commissary-signature"],
    )
    # The rekey job re-encrypts with the new key; then the old key can go.
    with hooked.portal.db.transaction() as s:
        assert rekey_all(s) == 1
    with hooked.portal.db.transaction() as s:
        assert rekey_all(s) == 0  # nothing left to do
    after = stored(hooked, endpoint["id"])
    assert after != before
    use_keys(monkeypatch, tmp_path, "a-brand-new-key")
    assert sealing.unseal(after) == endpoint["secret"]


def test_a_lost_key_fails_the_delivery_with_a_clear_error(
    hooked: Shop, receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    endpoint = add_endpoint(hooked, receiver.url)
    use_keys(monkeypatch, tmp_path, "somebody-changed-the-key")
    order(hooked)
    drain(hooked)
    assert receiver.hits == []
    [entry] = admin(hooked).get(f"/webhooks/endpoints/{endpoint['id']}/deliveries").json()
    assert entry["ok"] is False
    assert "COMMISSARY_SECRET_KEY changed" in entry["error"]
    assert sealing.OLD_KEYS_ENV in entry["error"]
    # Putting the old key back (as an old key) lets the retry through.
    use_keys(monkeypatch, tmp_path, "somebody-changed-the-key", KEY)
    make_due(hooked)
    drain(hooked)
    assert len(receiver.hits) == 1


def test_without_a_configured_key_a_key_file_is_made_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "var")  # no COMMISSARY_SECRET_KEY
    assert "secret_key" not in settings.model_fields_set
    monkeypatch.setattr(sealing, "get_settings", lambda: settings)
    token = sealing.seal("whsec_x")
    key_file = tmp_path / "var" / sealing.KEY_FILE
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    other_process = Settings(data_dir=tmp_path / "var")  # another random secret_key
    monkeypatch.setattr(sealing, "get_settings", lambda: other_process)
    assert sealing.unseal(token) == "whsec_x"


def test_the_migration_encrypts_existing_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    config = alembic_config(url)
    command.upgrade(config, "w0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        # A tenant row at this revision: every NOT NULL column without a default filled.
        values: dict[str, object] = {"id": 1, "slug": "acme", "name": "Acme"}
        for _, name, kind, notnull, default, _pk in conn.execute(
            text("PRAGMA table_info(tenants)")
        ):
            if notnull and default is None and name not in values:
                values[name] = 0 if "INT" in kind or "BOOL" in kind else "x"
        names = ", ".join(values)
        conn.execute(
            text(f"INSERT INTO tenants ({names}) VALUES ({', '.join(':' + n for n in values)})"),
            values,
        )
        conn.execute(
            text(
                "INSERT INTO webhook_endpoints (id, url, secret, topics, description, active,"
                " created_at, tenant_id) VALUES (1, 'https://a.example/', 'whsec_plain', '[]',"
                " '', 1, '2026-11-01 00:00:00', 1)"
            )
        )
    command.upgrade(config, "heads")
    with engine.connect() as conn:
        sealed = conn.execute(text("SELECT secret_sealed FROM webhook_endpoints")).scalar_one()
        columns = {r[1] for r in conn.execute(text("PRAGMA table_info(webhook_endpoints)"))}
    assert "secret" not in columns
    assert "whsec_plain" not in sealed and sealing.unseal(sealed) == "whsec_plain"
    command.downgrade(config, "w0001")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT secret FROM webhook_endpoints")).scalar_one() == (
            "whsec_plain"
        )
    engine.dispose()
