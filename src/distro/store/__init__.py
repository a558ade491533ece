"""Storage: raw payload archive and object stores, article store and delivery ledger."""
