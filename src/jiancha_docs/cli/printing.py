"""Print-ready output commands: ``jiancha pdf``, ``jiancha check``, ``jiancha doctor`` (being built)."""
