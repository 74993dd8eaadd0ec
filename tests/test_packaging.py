"""Installed from a wheel, outside the repository, jiancha still finds its standard templates."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling")
    dist = tmp_path_factory.mktemp("dist")
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
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "jiancha_docs/templates/recommendation/official.docx" in names
        assert "jiancha_docs/templates/reform_notice/schema.yaml" in names
        assert "jiancha_docs/printing/fonts.conf" in names
        archive.extractall(site)
    return site


def test_the_wheel_carries_the_templates_and_uses_them(unpacked_wheel: Path, tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(unpacked_wheel))
    code = (
        "import jiancha_docs, sys; from jiancha_docs.kinds import standard_templates_dir;"
        "print(jiancha_docs.__file__); print(standard_templates_dir())"
    )
    where = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    module_file, templates = where.stdout.splitlines()
    assert module_file.startswith(str(unpacked_wheel))
    assert templates == str(unpacked_wheel / "jiancha_docs" / "templates")
    source = tmp_path / "a.yaml"
    source.write_text(
        (ROOT / "tests" / "fixtures" / "reform_notice.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from jiancha_docs.cli import main; main()",
            "render",
            "以案促改通知书",
            "a.yaml",
            "-o",
            "out",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1
