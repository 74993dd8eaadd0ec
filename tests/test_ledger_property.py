"""What must hold for any history of an office's register: whatever sequence of renders,
reruns, edits, re-issues, voids, forced re-renders and kill -9 at any moment, every 文号 is
unique and gapless (voids recorded with their reasons), one document has one live number, and
every issued entry's file on disk is the file whose digest the ledger recorded."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiancha_docs.kinds import find_kind
from jiancha_docs.ledger import Ledger
from jiancha_docs.ledger.model import ISSUED, PENDING, VOID, file_digest, parse_number
from jiancha_docs.render.batch import RenderOptions, render_records

from .test_parallel_render import rows, write_input

KIND = find_kind("reform_notice")
POOL = [r for r in rows(8) if r[-1] != "2024-13-40"][:6]  # six units, six documents
# Where a killed run may die: before the temporary gets its name, after it, before the ledger
# registers the document, while numbers are being taken.
KILL_POINTS = ["publish", "after_publish", "issue", "allocate", "record_digest"]
# A forced re-render in the other layout writes different bytes under the same number.
LAYOUTS = ["文件式", "信函式"]

subsets = st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=len(POOL), unique=True)
operations = st.one_of(
    st.tuples(st.just("render"), subsets),
    st.tuples(st.just("edit"), st.integers(0, len(POOL) - 1)),
    st.tuples(st.just("reissue"), subsets),
    st.tuples(st.just("force"), subsets, st.sampled_from(LAYOUTS)),
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(
        st.just("kill"),
        subsets,
        st.sampled_from(KILL_POINTS),
        st.integers(1, 4),
        st.sampled_from([None, *LAYOUTS]),
    ),
)


class World:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.out = root / "out"
        self.db = root / "l.db"
        self.records = [list(r) for r in POOL]
        self.sheet = root / "登记表.csv"

    def write(self, chosen: list[int]) -> Path:
        # The same sheet, with only some of its rows filled in this time (the others blank):
        # rows keep their numbers, as in an office register.
        blank = [""] * len(POOL[0])
        return write_input(
            self.sheet, data=[self.records[i] if i in chosen else blank for i in range(len(POOL))]
        )

    def options(self, **flags: object) -> RenderOptions:
        return RenderOptions(outdir=self.out, ledger_path=self.db, code="青纪改", jobs=1, **flags)

    def render(self, chosen: list[int], **flags: object) -> None:
        render_records(KIND, [self.write(chosen)], self.options(**flags))

    def edit(self, index: int) -> None:
        self.records[index][3] += "（补充）"

    def void(self, pick: int) -> None:
        with Ledger(self.db) as ledger:
            live = [e for e in ledger.entries() if e.status == ISSUED]
            if live:
                ledger.mark(live[pick % len(live)].doc_number, VOID, note="测试作废")

    def kill(self, chosen: list[int], point: str, after: int, forced_layout: str | None) -> None:
        """A run (a forced re-render in a layout, or a plain one) killed with no chance to clean
        up, at ``point``."""
        sheet = self.write(chosen)
        options = self.options()
        if forced_layout:
            options = self.options(force=True, reissue=True, layout=forced_layout)
        context = multiprocessing.get_context("fork")
        child = context.Process(target=_die_during_render, args=(sheet, options, point, after))
        child.start()
        child.join(120)
        assert child.exitcode in (0, 9), child.exitcode  # 0: the run ended before that point

    def check(self) -> None:
        with Ledger(self.db) as ledger:
            ledger.recover()
            entries = [ledger.find(e.doc_number) for e in ledger.entries()]
        seqs = sorted(parse_number(e.doc_number)[2] for e in entries)
        assert seqs == list(range(1, len(seqs) + 1)), seqs  # unique and gapless
        live_identities = [e.identity for e in entries if e.status != VOID]
        assert len(live_identities) == len(set(live_identities))  # one live number per document
        for entry in entries:
            assert entry.status != PENDING, entry
            if entry.status == VOID:
                assert entry.void_reason, entry
            else:
                path = Path(entry.output_file)
                assert path.is_file() and file_digest(path) == entry.sha256, entry


def _die_during_render(sheet: Path, options: RenderOptions, point: str, after: int) -> None:
    from jiancha_docs.ledger.sqlite import SqliteLedger
    from jiancha_docs.render import batch

    calls = {"n": 0}

    def dying(original):
        def wrapper(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] >= after and point != "after_publish":
                os._exit(9)
            result = original(*args, **kwargs)
            if calls["n"] >= after:
                os._exit(9)
            return result

        return wrapper

    if point in ("publish", "after_publish"):
        batch.publish = dying(batch.publish)
    else:
        setattr(SqliteLedger, point, dying(getattr(SqliteLedger, point)))
    render_records(KIND, [sheet], options)
    os._exit(0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations, min_size=1, max_size=7))
def test_any_history_keeps_numbers_unique_gapless_and_files_matching(history: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = World(Path(folder))
        for operation in history:
            name, *args = operation
            if name == "render":
                world.render(args[0])
            elif name == "reissue":
                world.render(args[0], reissue=True)
            elif name == "force":
                world.render(args[0], force=True, layout=args[1])
            elif name == "edit":
                world.edit(args[0])
            elif name == "void":
                if world.db.exists():
                    world.void(args[0])
            else:
                world.kill(*args)
            if world.db.exists():
                world.check()
