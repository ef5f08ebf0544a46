"""Supplier feeds into the master catalog: records upserted in bulk, what changed reported,
and every tenant that sells a changed product brought up to date in the same transaction.

A feed is a list of :class:`MasterRecord` (one per SKU; the product fields repeat on each
of its SKUs) from a CSV file (``parse_csv``) or a supplier-source plugin
(``register_supplier_sources``). It applies whole or not at all: any row with an error
leaves the database as it was, and a dry run reports exactly what the real run would do.

Rules a feed must keep (each broken one is an error naming the line):

* a product key (``product``) belongs to one supplier; a SKU code to one product;
* the rows of one product agree on its name, description and category;
* points are whole numbers, 0 or more.

With ``complete=True`` the feed is the supplier's whole range: its products and SKUs that
the feed does not name are withdrawn (inactive in the master and in every tenant copy,
never deleted, since orders refer to them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from commissary import csvfile
from commissary.db import utcnow
from commissary.errors import Invalid
from commissary.master import curation
from commissary.master.models import MasterCategory, MasterProduct, MasterSku, Supplier

COLUMNS = (
    "product",
    "name",
    "description",
    "category",
    "category_name",
    "sku",
    "supplier_sku",
    "size",
    "colour",
    "points",
    "active",
)
REQUIRED = ("product", "name", "sku", "points")
_YES = {"", "yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}
Progress = Callable[[int], None]


@dataclass(frozen=True)
class MasterRecord:
    """One SKU of a supplier's product, as a feed delivers it."""

    product: str
    name: str
    sku: str
    list_points: int
    description: str = ""
    category: str | None = None
    category_name: str | None = None
    supplier_sku: str = ""
    size: str | None = None
    colour: str | None = None
    active: bool = True


@dataclass
class FeedReport:
    dry_run: bool
    rows: int = 0
    products_created: int = 0
    products_updated: int = 0
    skus_created: int = 0
    skus_updated: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    tenants_updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    changed_product_ids: set[int] = field(default_factory=set)

    @property
    def applied(self) -> bool:
        return not self.dry_run and not self.errors


def _text(row: dict[str, str], key: str) -> str | None:
    return row.get(key) or None


def parse_csv(text: str) -> tuple[list[tuple[int, MasterRecord]], list[tuple[int, str]]]:
    """The file's records with their lines, and the rows that could not be read."""
    records: list[tuple[int, MasterRecord]] = []
    errors: list[tuple[int, str]] = []
    for line, row in csvfile.rows(text, REQUIRED, COLUMNS):
        problems = [f"{key} is empty" for key in REQUIRED if not row.get(key)]
        points = row.get("points", "")
        if points and not points.isdigit():
            problems.append(f"points must be a whole number of 0 or more, not {points!r}")
        active = row.get("active", "").lower()
        if active not in _YES | _NO:
            problems.append(f"active must be yes or no, not {row['active']!r}")
        for key, limit in (("product", 150), ("sku", 64), ("name", 200), ("supplier_sku", 64)):
            if len(row.get(key, "")) > limit:
                problems.append(f"{key} is longer than {limit} characters")
        if problems:
            errors.append((line, "; ".join(problems)))
            continue
        records.append(
            (
                line,
                MasterRecord(
                    product=row["product"].lower(),
                    name=row["name"],
                    sku=row["sku"],
                    list_points=int(points),
                    description=row.get("description", ""),
                    category=(row.get("category") or "").lower() or None,
                    category_name=_text(row, "category_name"),
                    supplier_sku=row.get("supplier_sku", ""),
                    size=_text(row, "size"),
                    colour=_text(row, "colour"),
                    active=active not in _NO,
                ),
            )
        )
    return records, errors


def import_csv(
    session: Session,
    text: str,
    supplier_code: str,
    *,
    supplier_name: str | None = None,
    complete: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> FeedReport:
    """Read a CSV feed and apply it (see ``apply``); rows that cannot be read are reported
    like any other row error, and then nothing is applied."""
    records, errors = parse_csv(text)
    if errors:
        return FeedReport(dry_run=dry_run, rows=len(records) + len(errors), errors=errors)
    return apply(
        session,
        supplier_code,
        records,
        supplier_name=supplier_name,
        complete=complete,
        dry_run=dry_run,
        progress=progress,
    )


def _chunks(values: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing_products(session: Session, slugs: list[str]) -> dict[str, MasterProduct]:
    found: dict[str, MasterProduct] = {}
    for chunk in _chunks(slugs):
        for product in session.scalars(select(MasterProduct).where(MasterProduct.slug.in_(chunk))):
            found[product.slug] = product
    return found


def _existing_skus(session: Session, codes: list[str]) -> dict[str, MasterSku]:
    found: dict[str, MasterSku] = {}
    for chunk in _chunks(codes):
        for sku in session.scalars(select(MasterSku).where(MasterSku.code.in_(chunk))):
            found[sku.code] = sku
    return found


def _categories(session: Session, records: list[MasterRecord]) -> dict[str, MasterCategory]:
    wanted = {r.category: r.category_name for r in records if r.category}
    found = {
        c.slug: c
        for c in session.scalars(select(MasterCategory).where(MasterCategory.slug.in_(wanted)))
    }
    for slug, name in wanted.items():
        if slug not in found:
            category = MasterCategory(slug=slug, name=name or slug.replace("-", " ").title())
            session.add(category)
            found[slug] = category
        elif name and found[slug].name != name:
            found[slug].name = name
    session.flush()
    return found


def supplier(session: Session, code: str, name: str | None = None) -> Supplier:
    """The supplier with ``code``, created (named ``name``) when it is new."""
    code = code.strip().lower()
    if not code or len(code) > 40 or not code.replace("-", "").replace("_", "").isalnum():
        raise Invalid("a supplier code is 1-40 letters, digits, hyphens or underscores")
    found = session.scalar(select(Supplier).where(Supplier.code == code))
    if found is None:
        found = Supplier(code=code, name=(name or code).strip()[:200] or code)
        session.add(found)
        session.flush()
    elif name and name.strip() and found.name != name.strip():
        found.name = name.strip()[:200]
    return found


def _check(
    records: list[tuple[int, MasterRecord]],
    products: dict[str, MasterProduct],
    skus: dict[str, MasterSku],
    supplier_id: int,
    product_ids: dict[int, str],
) -> list[tuple[int, str]]:
    errors: list[tuple[int, str]] = []
    first: dict[str, tuple[int, MasterRecord]] = {}
    seen_skus: dict[str, int] = {}
    for line, record in records:
        existing = products.get(record.product)
        if existing is not None and existing.supplier_id != supplier_id:
            errors.append((line, f"product {record.product} belongs to another supplier"))
        if record.sku in seen_skus:
            errors.append((line, f"SKU {record.sku} is on line {seen_skus[record.sku]} already"))
        seen_skus.setdefault(record.sku, line)
        sku = skus.get(record.sku)
        if sku is not None and product_ids.get(sku.product_id) not in (None, record.product):
            owner = product_ids[sku.product_id]
            errors.append((line, f"SKU {record.sku} belongs to product {owner}"))
        if record.product in first:
            head_line, head = first[record.product]
            for key in ("name", "description", "category"):
                if getattr(record, key) != getattr(head, key):
                    errors.append(
                        (line, f"product {record.product} has another {key} on line {head_line}")
                    )
        else:
            first[record.product] = (line, record)
    return errors


def apply(
    session: Session,
    supplier_code: str,
    records: list[tuple[int, MasterRecord]],
    *,
    supplier_name: str | None = None,
    complete: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> FeedReport:
    """Upsert ``records`` for the supplier, then update the tenants that sell what
    changed. Runs inside a savepoint that is kept only when it is not a dry run and no
    row failed."""
    report = FeedReport(dry_run=dry_run, rows=len(records))
    savepoint = session.begin_nested()
    try:
        _apply(session, supplier_code, supplier_name, records, complete, report, progress)
    finally:
        if report.applied:
            savepoint.commit()
        else:
            savepoint.rollback()
    return report


def _apply(
    session: Session,
    supplier_code: str,
    supplier_name: str | None,
    records: list[tuple[int, MasterRecord]],
    complete: bool,
    report: FeedReport,
    progress: Progress | None,
) -> None:
    owner = supplier(session, supplier_code, supplier_name)
    plain = [r for _, r in records]
    products = _existing_products(session, sorted({r.product for r in plain}))
    skus = _existing_skus(session, sorted({r.sku for r in plain}))
    owners = {
        pid: slug
        for pid, slug in session.execute(
            select(MasterProduct.id, MasterProduct.slug).where(
                MasterProduct.id.in_({s.product_id for s in skus.values()})
            )
        ).all()
    }
    report.errors = _check(records, products, skus, owner.id, owners)
    if report.errors:
        return
    categories = _categories(session, plain)
    now = utcnow()
    positions: dict[str, int] = {}
    for done, record in enumerate(plain, start=1):
        product = products.get(record.product)
        category_id = categories[record.category].id if record.category else None
        if product is None:
            product = MasterProduct(
                supplier_id=owner.id,
                slug=record.product,
                name=record.name,
                description=record.description,
                category_id=category_id,
                is_active=True,
                updated_at=now,
            )
            session.add(product)
            session.flush()
            products[record.product] = product
            report.products_created += 1
            report.changed_product_ids.add(product.id)
        elif product.id not in report.changed_product_ids and (
            (product.name, product.description, product.category_id, product.is_active)
            != (record.name, record.description, category_id, True)
        ):
            product.name, product.description = record.name, record.description
            product.category_id, product.is_active, product.updated_at = category_id, True, now
            report.products_updated += 1
            report.changed_product_ids.add(product.id)
        position = positions.get(record.product, 0)
        positions[record.product] = position + 1
        values = {
            "supplier_code": record.supplier_sku,
            "size": record.size,
            "colour": record.colour,
            "list_points": record.list_points,
            "position": position,
            "is_active": record.active,
        }
        sku = skus.get(record.sku)
        if sku is None:
            session.add(MasterSku(product_id=product.id, code=record.sku, **values))
            report.skus_created += 1
            report.changed_product_ids.add(product.id)
        elif any(getattr(sku, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(sku, key, value)
            report.skus_updated += 1
            report.changed_product_ids.add(product.id)
        else:
            report.unchanged += 1
        if progress is not None and done % 100 == 0:
            progress(100)
    if progress is not None:
        progress(len(plain) % 100)
    session.flush()
    if complete:
        _withdraw_missing(session, owner.id, plain, report)
    report.tenants_updated = curation.propagate(session, report.changed_product_ids)


def _withdraw_missing(
    session: Session, supplier_id: int, records: list[MasterRecord], report: FeedReport
) -> None:
    """The supplier's products and SKUs that a complete feed does not name become
    inactive."""
    named_products = {r.product for r in records}
    named_skus = {r.sku for r in records}
    rows = session.execute(
        select(MasterProduct, MasterSku)
        .join(MasterSku, MasterSku.product_id == MasterProduct.id)
        .where(MasterProduct.supplier_id == supplier_id)
    ).all()
    for product, sku in rows:
        if product.slug not in named_products and product.is_active:
            product.is_active = False
            product.updated_at = utcnow()
            report.withdrawn += 1
            report.changed_product_ids.add(product.id)
        if sku.code not in named_skus and sku.is_active:
            sku.is_active = False
            report.withdrawn += 1
            report.changed_product_ids.add(product.id)
    session.flush()
