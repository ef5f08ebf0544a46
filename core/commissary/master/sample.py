"""The demo deployment's master catalog: one supplier's hearing and eye protection, of
which the demo portal sells the hearing range at a 10 % markup and one pair of glasses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from commissary.catalog.models import Sku
from commissary.inventory.models import MovementReason
from commissary.inventory.stock import adjust, default_warehouse
from commissary.master import feed, selections
from commissary.master.feed import MasterRecord

_HEARING = ("hearing-protection", "Hearing protection")
_EYES = ("eye-protection", "Eye protection")
_RANGE: list[
    tuple[str, str, str, tuple[str, str], list[tuple[str, str | None, str | None, int]]]
] = [
    (
        "pt-ear-defenders",
        "Ear defenders SNR 30",
        "Padded headband, folds flat.",
        _HEARING,
        [("PT-EAR30", None, "Yellow", 19)],
    ),
    (
        "pt-earplugs",
        "Foam earplugs (box of 200 pairs)",
        "SNR 37, individually wrapped.",
        _HEARING,
        [("PT-PLUG200", None, None, 24)],
    ),
    (
        "pt-banded-plugs",
        "Banded earplugs",
        "For short, repeated exposure.",
        _HEARING,
        [("PT-BAND", None, "Blue", 7)],
    ),
    (
        "pt-safety-glasses",
        "Safety glasses",
        "EN 166, anti-scratch, anti-fog.",
        _EYES,
        [("PT-GLS-CLR", None, "Clear", 9), ("PT-GLS-TNT", None, "Tinted", 11)],
    ),
    (
        "pt-goggles",
        "Over-glasses goggles",
        "Indirect vents, fit over prescription glasses.",
        _EYES,
        [("PT-GOG", None, "Clear", 16)],
    ),
]


def load(session: Session, tenant_id: int) -> None:
    records = [
        (
            line,
            MasterRecord(
                product=slug,
                name=name,
                description=description,
                category=category[0],
                category_name=category[1],
                sku=code,
                supplier_sku=f"P-{code}",
                size=size,
                colour=colour,
                list_points=points,
            ),
        )
        for line, (slug, name, description, category, skus) in enumerate(_RANGE, start=2)
        for code, size, colour, points in skus
    ]
    feed.apply(session, "protecta", records, supplier_name="Protecta Safety Supplies")
    selections.select_for_tenant(session, tenant_id, category=_HEARING[0], markup_percent=10)
    selections.select_for_tenant(session, tenant_id, product="pt-safety-glasses")
    warehouse = default_warehouse(session, tenant_id)
    codes = [code for *_rest, skus in _RANGE for code, *_ in skus]
    for sku_id in session.scalars(select(Sku.id).where(Sku.code.in_(codes)).order_by(Sku.id)):
        adjust(session, tenant_id, warehouse.id, sku_id, 50, MovementReason.RECEIPT)
