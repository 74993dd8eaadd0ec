"""The render job, the ledger and the configuration are type-checked: mypy finds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ["src/jiancha_docs/render", "src/jiancha_docs/ledger", "src/jiancha_docs/config.py"]


def test_mypy_is_clean_on_render_ledger_and_config(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--ignore-missing-imports", "--cache-dir", str(tmp_path), *CHECKED],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
