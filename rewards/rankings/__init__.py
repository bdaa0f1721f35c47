"""Quarterly rankings (一季度一公示): standings computed from the ledger for a period and a
scope, drafted, put on notice, locked and published."""
