"""Ledger commands: ``jiancha ledger …`` (being built)."""
