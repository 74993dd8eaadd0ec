"""Regulation commands: ``jiancha rules …`` (being built)."""
