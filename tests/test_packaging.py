"""Installed from a wheel, outside the repository, jiancha still finds its standard templates,
its font rules and its sample guides (templates/ and regulations/ travel inside the package)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(site))
    return subprocess.run(
        [sys.executable, "-c", "from jiancha_docs.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )


def test_the_wheel_carries_its_data_files(unpacked_wheel: Path) -> None:
    package = unpacked_wheel / "jiancha_docs"
    for name in [
        "templates/recommendation/official.docx",
        "templates/reform_notice/schema.yaml",
        "printing/fonts.conf",
        "regulations/纪检监察建议书工作指引（示例）.md",
        "rules/domain_dict.txt",
    ]:
        assert (package / name).is_file(), name


def test_the_installed_package_uses_its_own_templates_and_guides(
    unpacked_wheel: Path, tmp_path: Path
) -> None:
    code = (
        "import jiancha_docs; from jiancha_docs.kinds import standard_templates_dir;"
        "from jiancha_docs.rules.sources import standard_regulations_dir;"
        "print(jiancha_docs.__file__); print(standard_templates_dir()); print(standard_regulations_dir())"
    )
    env = dict(os.environ, PYTHONPATH=str(unpacked_wheel))
    where = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    module_file, templates, regulations = where.stdout.splitlines()
    assert module_file.startswith(str(unpacked_wheel))
    assert templates == str(unpacked_wheel / "jiancha_docs" / "templates")
    assert regulations == str(unpacked_wheel / "jiancha_docs" / "regulations")

    source = tmp_path / "a.yaml"
    source.write_text(
        (ROOT / "tests" / "fixtures" / "reform_notice.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    rendered = run_installed(unpacked_wheel, tmp_path, "render", "以案促改通知书", "a.yaml", "-o", "out")
    assert rendered.returncode == 0, rendered.stderr
    assert len(list((tmp_path / "out").glob("*.docx"))) == 1
    indexed = run_installed(unpacked_wheel, tmp_path, "rules", "index")
    assert indexed.returncode == 0, indexed.stderr
    assert "6 部法规，123 条" in indexed.stdout


def test_a_checkout_uses_the_top_level_folders() -> None:
    from jiancha_docs.kinds import standard_templates_dir
    from jiancha_docs.rules.sources import standard_regulations_dir

    assert standard_templates_dir() == ROOT / "templates"
    assert standard_regulations_dir() == ROOT / "regulations"
