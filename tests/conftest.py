"""pytest options shared by the suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/*.txt from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True)
def private_ledger(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test (and every jiancha it starts) gets its own ledger, never one in the repository."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite3"
    monkeypatch.setenv("JIANCHA_DB", str(path))
    return path


@pytest.fixture(scope="session")
def rendered_documents(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    """One document of every standard kind in both layouts, rendered from tests/fixtures."""
    from jiancha_docs.kinds import all_kinds, find_kind
    from jiancha_docs.render.batch import RenderOptions, render_records

    out = tmp_path_factory.mktemp("rendered")
    documents = []
    for kind in sorted(all_kinds(), key=lambda k: k.id):
        for layout in ("文件式", "信函式"):
            report = render_records(
                find_kind(kind.id),
                [FIXTURES / f"{kind.id}.yaml"],
                RenderOptions(outdir=out / kind.id / layout, layout=layout),
            )
            assert report.ok
            documents.append((report.outcomes[0].output, layout))
    return documents


@pytest.fixture(scope="session")
def unpacked_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel (no network: hatchling comes with the test extras) and unpacked."""
    import subprocess
    import sys
    import zipfile

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
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(next(dist.glob("jiancha_docs-*.whl"))) as archive:
        archive.extractall(site)
    return site


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL cluster for the session (tests/pg.py); skipped where absent."""
    from tests.pg import PgCluster, unavailable

    why = unavailable()
    if why:
        pytest.skip(f"PostgreSQL 不可用：{why}")
    cluster = PgCluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """An empty database on the test cluster, its schema upgraded: a fresh server ledger."""
    from jiancha_docs.ledger.postgres import upgrade

    url = pg_cluster.new_database()
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a ledger is, on each backend: a SQLite file, or a fresh server database. Tests
    that take it run against both (open it with jiancha_docs.ledger.open_ledger)."""
    if request.param == "sqlite":
        return tmp_path / "ledger.sqlite3"
    return request.getfixturevalue("pg_url")
