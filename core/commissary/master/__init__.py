"""The deployment's master catalog: the operator's products from its suppliers, curated
into what each tenant sells (see docs/catalog.md, "Master catalog")."""
