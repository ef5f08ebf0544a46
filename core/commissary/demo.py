"""The demo portal: a uniform programme for a facilities company with two locations."""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from commissary.catalog import service as catalog
from commissary.catalog.models import Product
from commissary.context import Context
from commissary.identity import service as identity
from commissary.identity.models import Location, OperatorAdmin, Role
from commissary.kits.models import Kit, KitComponent, KitPricing
from commissary.master import sample as master_sample
from commissary.plugins import PluginHost
from commissary.tenants import service as tenants
from commissary.tenants.models import Tenant

SLUG = "acme"
PASSWORD = "commissary-demo"
OPERATOR = ("operator@commissary.test", "Olivia Operator")
PEOPLE = [
    # email, name, role, location code
    ("admin@acme.test", "Ada Admin", Role.TENANT_ADMIN, None),
    ("manager@acme.test", "Manny Manager", Role.MANAGER, "DT01"),
    ("buyer@acme.test", "Bea Buyer", Role.BUYER, "DT01"),
    ("buyer2@acme.test", "Ben Buyer", Role.BUYER, "AP02"),
    ("warehouse@acme.test", "Walt Warehouse", Role.WAREHOUSE, None),
]
STARTING_POINTS = {"buyer@acme.test": 1500, "buyer2@acme.test": 800, "manager@acme.test": 600}
APPROVAL_THRESHOLD = 300

APPAREL = ["XS", "S", "M", "L", "XL", "XXL"]
FOOTWEAR = ["38", "39", "40", "41", "42", "43", "44", "45"]
CATALOG: list[tuple[str, str, list[tuple[str, str, list[str], list[str], int]]]] = [
    # category slug, name, [(product name, description, sizes, colours, points)]
    (
        "shirts",
        "Shirts & polos",
        [
            (
                "Staff polo shirt",
                "Breathable piqué polo with embroidered logo.",
                APPAREL,
                ["Navy", "White"],
                45,
            ),
            (
                "Oxford shirt, long sleeve",
                "Easy-iron oxford shirt for front-of-house staff.",
                APPAREL,
                ["Sky", "White"],
                60,
            ),
            (
                "Oxford shirt, short sleeve",
                "Short-sleeve oxford for summer rotas.",
                APPAREL,
                ["Sky", "White"],
                55,
            ),
            (
                "Hi-vis T-shirt",
                "EN ISO 20471 class 2 T-shirt for yard work.",
                APPAREL,
                ["Yellow", "Orange"],
                38,
            ),
            ("Crew T-shirt", "Organic cotton crew neck with logo.", APPAREL, ["Black", "Grey"], 25),
            (
                "Chef jacket",
                "Double-breasted, stud buttons, 65/35 poly-cotton.",
                APPAREL,
                ["White"],
                70,
            ),
        ],
    ),
    (
        "outerwear",
        "Outerwear",
        [
            (
                "Softshell jacket",
                "Wind- and water-resistant softshell with logo.",
                APPAREL,
                ["Navy", "Black"],
                140,
            ),
            ("Winter parka", "Insulated parka with detachable hood.", APPAREL, ["Navy"], 220),
            ("Fleece mid-layer", "Anti-pill fleece, half zip.", APPAREL, ["Navy", "Grey"], 80),
            ("Rain shell", "Packable rain shell, taped seams.", APPAREL, ["Yellow", "Navy"], 110),
            (
                "Hi-vis bomber",
                "Class 3 hi-vis bomber with reflective tape.",
                APPAREL,
                ["Yellow"],
                150,
            ),
            (
                "Knitted cardigan",
                "Fine-knit cardigan for reception staff.",
                APPAREL,
                ["Navy", "Charcoal"],
                75,
            ),
        ],
    ),
    (
        "trousers",
        "Trousers & skirts",
        [
            (
                "Work trousers",
                "Stretch work trousers with knee-pad pockets.",
                ["28", "30", "32", "34", "36", "38"],
                ["Black", "Navy"],
                85,
            ),
            (
                "Chinos",
                "Stain-resistant chinos for retail floors.",
                ["28", "30", "32", "34", "36", "38"],
                ["Stone", "Navy"],
                65,
            ),
            (
                "Cargo shorts",
                "Ripstop cargo shorts.",
                ["28", "30", "32", "34", "36"],
                ["Khaki"],
                45,
            ),
            (
                "Pencil skirt",
                "Lined pencil skirt, side zip.",
                ["8", "10", "12", "14", "16"],
                ["Navy", "Black"],
                55,
            ),
            (
                "Hi-vis trousers",
                "Class 2 hi-vis trousers.",
                ["30", "32", "34", "36", "38"],
                ["Orange"],
                95,
            ),
        ],
    ),
    (
        "footwear",
        "Footwear",
        [
            (
                "Safety boots S3",
                "Composite toe cap, anti-static, water resistant.",
                FOOTWEAR,
                ["Black"],
                180,
            ),
            (
                "Safety trainers S1P",
                "Lightweight safety trainers with midsole protection.",
                FOOTWEAR,
                ["Grey"],
                140,
            ),
            (
                "Non-slip kitchen clogs",
                "SRC slip-resistant clogs.",
                FOOTWEAR,
                ["White", "Black"],
                60,
            ),
            ("Leather shoes", "Formal shoes for front-of-house staff.", FOOTWEAR, ["Black"], 120),
            ("Wellington boots", "Steel toe PVC wellingtons.", FOOTWEAR, ["Green"], 70),
        ],
    ),
    (
        "headwear",
        "Headwear",
        [
            ("Baseball cap", "Embroidered cotton cap, adjustable.", [], ["Navy", "Black"], 18),
            ("Beanie", "Thinsulate-lined knitted beanie.", [], ["Navy", "Black"], 15),
            ("Bump cap", "EN 812 bump cap with vent holes.", [], ["Navy"], 30),
            ("Sun hat", "Wide-brim UPF 50 hat for outdoor crews.", ["S/M", "L/XL"], ["Khaki"], 22),
        ],
    ),
    (
        "safety",
        "Safety equipment",
        [
            (
                "Safety helmet",
                "EN 397 helmet with ratchet harness.",
                [],
                ["White", "Yellow", "Blue"],
                35,
            ),
            ("Safety glasses", "Anti-fog, anti-scratch, EN 166.", [], ["Clear", "Smoke"], 12),
            ("Ear defenders", "SNR 30 dB folding ear defenders.", [], ["Black"], 28),
            (
                "Cut-resistant gloves",
                "EN 388 level C gloves.",
                ["7", "8", "9", "10", "11"],
                ["Grey"],
                14,
            ),
            ("FFP3 masks (box of 10)", "Valved FFP3 disposable masks.", [], ["White"], 40),
            ("First-aid kit", "BS 8599-1 medium workplace kit.", [], ["Green"], 65),
            (
                "Hi-vis vest",
                "Class 2 vest with ID pocket.",
                ["M", "L", "XL", "XXL"],
                ["Yellow", "Orange"],
                10,
            ),
        ],
    ),
    (
        "accessories",
        "Accessories",
        [
            ("Name badge", "Engraved magnetic name badge.", [], ["Silver", "Gold"], 8),
            (
                "Leather belt",
                "Full-grain leather belt.",
                ["S", "M", "L", "XL"],
                ["Black", "Brown"],
                30,
            ),
            ("Lanyard", "Branded breakaway lanyard.", [], ["Navy"], 5),
            ("Apron", "Bib apron with pockets.", [], ["Black", "Denim"], 24),
            ("Backpack", "25 l laptop backpack with logo.", [], ["Black"], 90),
            ("Tool belt", "Heavy-duty tool belt with pouches.", ["M", "L"], ["Brown"], 75),
            (
                "Thermal socks (3 pairs)",
                "Merino-blend work socks.",
                ["39-42", "43-46"],
                ["Grey"],
                20,
            ),
        ],
    ),
]


def _sku_code(name: str, size: str | None, colour: str | None, index: int) -> str:
    stem = "".join(w[0] for w in name.replace("(", "").split() if w[0].isalnum()).upper()[:4]
    parts = [f"{stem}{index:02d}"]
    if colour:
        parts.append(colour[:3].upper())
    if size:
        parts.append(size.replace("/", "").replace("-", ""))
    return "-".join(parts)


def load(
    session: Session,
    host: PluginHost,
    *,
    progress: Callable[[str], None] = lambda _step: None,
    seed: int = 7,
) -> Tenant:
    """Create the demo tenant and everything in it. Refuses to run twice."""
    rng = random.Random(seed)
    if session.scalar(select(Tenant.id).where(Tenant.slug == SLUG)) is not None:
        raise RuntimeError(f"the demo tenant {SLUG!r} exists already")
    if session.scalar(select(OperatorAdmin.id).where(OperatorAdmin.email == OPERATOR[0])) is None:
        identity.create_operator(session, email=OPERATOR[0], name=OPERATOR[1], password=PASSWORD)
    tenant = tenants.create_tenant(
        session,
        slug=SLUG,
        name="Acme Facilities",
        approval_threshold_points=APPROVAL_THRESHOLD,
    )
    session.info["tenant_id"] = tenant.id
    if "allowance" in host.info:
        tenants.set_plugin_enabled(session, host, tenant, "allowance", True)
    progress("tenant")
    locations = {
        code: Location(tenant_id=tenant.id, code=code, name=name, address=address)
        for code, name, address in [
            ("DT01", "Downtown Store", "12 Market Street, Springfield"),
            ("AP02", "Airport Depot", "Cargo Road 4, Springfield Airport"),
        ]
    }
    session.add_all(locations.values())
    session.flush()
    _place_in_a_tree(session, tenant, locations)
    users = {}
    for email, name, role, code in PEOPLE:
        users[email] = identity.create_user(
            session,
            tenant,
            email=email,
            name=name,
            password=PASSWORD,
            roles=[role.value],
            location_id=locations[code].id if code else None,
        )
    for location in locations.values():
        location.manager_id = users["manager@acme.test"].id
    session.flush()
    progress("people")
    for position, (slug, cat_name, products) in enumerate(CATALOG):
        category = catalog.create_category(session, tenant.id, slug, cat_name)
        category.position = position
        for index, (name, description, sizes, colours, points) in enumerate(products):
            variants: list[tuple[str, str | None, str | None, int, int]] = []
            colour_options: list[str | None] = [*colours] or [None]
            size_options: list[str | None] = [*sizes] or [None]
            for colour in colour_options:
                for size in size_options:
                    code = _sku_code(name, size, colour, position * 10 + index)
                    variants.append(
                        (code, size, colour, points, rng.choice([0, 3, 8, 15, 25, 40, 60]))
                    )
            catalog.create_product(
                session,
                tenant.id,
                slug=f"{slug}-{index + 1}",
                name=name,
                description=description,
                category=category,
                variants=variants,
            )
            progress("product")
    _grant_starting_points(session, host, tenant, users)
    _second_warehouse(session, tenant, locations, rng)
    _starter_kit(session, tenant)
    master_sample.load(session, tenant.id)
    progress("points")
    return tenant


def _starter_kit(session: Session, tenant: Tenant) -> None:
    """A kit new staff order in one step: two polos and a hi-vis vest in their sizes."""
    products = {
        p.name: p.id
        for p in session.scalars(
            select(Product).where(Product.name.in_(["Staff polo shirt", "Hi-vis vest"]))
        )
    }
    if len(products) < 2:
        return
    kit = Kit(
        tenant_id=tenant.id,
        code="STARTER",
        name="New starter kit",
        description="Two staff polos and a hi-vis vest, each in your size, at a kit price.",
        pricing=KitPricing.KIT,
        price_points=90,
    )
    session.add(kit)
    session.flush()
    session.add_all(
        [
            KitComponent(
                tenant_id=tenant.id,
                kit_id=kit.id,
                position=0,
                label="Polo",
                product_id=products["Staff polo shirt"],
                quantity=2,
            ),
            KitComponent(
                tenant_id=tenant.id,
                kit_id=kit.id,
                position=1,
                label="Vest",
                product_id=products["Hi-vis vest"],
                quantity=1,
            ),
        ]
    )


def _place_in_a_tree(session: Session, tenant: Tenant, stores: dict[str, Location]) -> None:
    """West Region > Springfield District > the two stores (managers keep their stores)."""
    region = Location(tenant_id=tenant.id, code="WEST", name="West Region", address="")
    session.add(region)
    session.flush()
    district = Location(
        tenant_id=tenant.id,
        code="SPR",
        name="Springfield District",
        address="",
        parent_id=region.id,
    )
    session.add(district)
    session.flush()
    for store in stores.values():
        store.parent_id = district.id
    session.flush()


def _second_warehouse(
    session: Session, tenant: Tenant, stores: dict[str, Location], rng: random.Random
) -> None:
    """The catalog's stock sits in the main warehouse; the supplier holds more of some
    SKUs, and the downtown store keeps a few polos in its back room."""
    from commissary.catalog.models import Sku
    from commissary.inventory import stock
    from commissary.inventory.models import MovementReason, Warehouse, WarehouseKind

    supplier = Warehouse(
        tenant_id=tenant.id,
        code="SUPPLIER",
        name="Supplier warehouse",
        kind=WarehouseKind.SUPPLIER,
        address="Industrial Park 9, Shelbyville",
        priority=200,
        is_active=True,
    )
    back_room = Warehouse(
        tenant_id=tenant.id,
        code="DT01-BACK",
        name="Downtown back room",
        kind=WarehouseKind.LOCATION,
        location_id=stores["DT01"].id,
        address="",
        priority=50,
        is_active=True,
    )
    session.add_all([supplier, back_room])
    session.flush()
    skus = list(session.scalars(select(Sku.id).order_by(Sku.id)))
    for sku_id in skus[::3]:
        stock.adjust(
            session,
            tenant.id,
            supplier.id,
            sku_id,
            rng.choice([20, 50, 100]),
            MovementReason.RECEIPT,
            note="opening stock",
        )
    for sku_id in skus[:6]:
        stock.adjust(
            session, tenant.id, back_room.id, sku_id, 4, MovementReason.RECEIPT, note="transfer"
        )


def _grant_starting_points(session: Session, host: PluginHost, tenant: Tenant, users: dict) -> None:  # type: ignore[type-arg]
    if "allowance" not in host.info:
        return
    from commissary_allowance import service as allowance  # the demo shows the plugin at work

    hooks = tenants.hooks_for(session, host, tenant)
    ctx = Context(tenant=tenant, session=session, hooks=hooks, actor=users["admin@acme.test"])
    for email, points in STARTING_POINTS.items():
        allowance.grant(ctx, users[email].id, points, "Annual uniform allowance", f"demo:{email}")


PRODUCT_COUNT = sum(len(products) for _, _, products in CATALOG)
