"""The fulfilment fixtures (two warehouses, a warehouse clerk) serve these tests too."""

from tests.fulfilment.conftest import clerk, warehouses

__all__ = ["clerk", "warehouses"]
