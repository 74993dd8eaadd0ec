"""Installed from a wheel, jiancha finds its sample guides (regulations/ travels inside the package).

Needs the force-include line in pyproject.toml; skipped until it is there."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from jiancha_docs.rules.sources import standard_regulations_dir

ROOT = Path(__file__).resolve().parent.parent


def _force_included() -> bool:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    targets = data.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {})
    include = targets.get("wheel", {}).get("force-include", {})
    return include.get("regulations") == "jiancha_docs/regulations"


def test_a_checkout_uses_the_top_level_regulations_folder() -> None:
    assert standard_regulations_dir() == ROOT / "regulations"


@pytest.mark.skipif(not _force_included(), reason="pyproject.toml 尚未 force-include regulations")
def test_the_wheel_carries_the_sample_guides(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    dist = tmp_path / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(dist.glob("jiancha_docs-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert "jiancha_docs/regulations/纪检监察建议书工作指引（示例）.md" in archive.namelist()
        assert "jiancha_docs/rules/domain_dict.txt" in archive.namelist()
        archive.extractall(site)
    env = dict(os.environ, PYTHONPATH=str(site))
    code = "from jiancha_docs.rules.sources import standard_regulations_dir as d; print(d())"
    where = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert where.stdout.strip() == str(site / "jiancha_docs" / "regulations")
    index = subprocess.run(
        [sys.executable, "-c", "from jiancha_docs.cli import main; main()", "rules", "index"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert index.returncode == 0, index.stderr
    assert "6 部法规，123 条" in index.stdout
