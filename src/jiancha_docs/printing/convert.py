""".docx → PDF through LibreOffice: one headless soffice per batch, watched, retried once.

One ``soffice --convert-to pdf`` process converts every document of a batch: starting
LibreOffice costs far more than converting a document (see bench/RESULTS.md). The process runs
with a private, temporary profile (so it never hands the work to a LibreOffice the user has
open, and two batches never share state), in its own process group, with the font substitution
rules of ``fonts.conf``.

Documents are staged under numbered names (the PDFs of two ``报告.docx`` from two folders do
not collide, and no file name reaches LibreOffice's command line), and each PDF is moved beside
its document (or into a chosen folder) atomically as soon as it is complete. A watchdog kills
the whole process group when no document finishes within the timeout; the document that was
being converted is retried once in a fresh process, the ones after it go on.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import JianchaError, os_reason
from .fonts import FontReport, conversion_environment, preflight

DEFAULT_TIMEOUT = 120.0  # seconds one document may take before LibreOffice is presumed hung
STARTUP_ALLOWANCE = 60.0  # added for the first document of each process: start-up, new profile
POLL_INTERVAL = 0.05
MAX_ATTEMPTS = 2  # a hung or crashed conversion is retried once

INSTALL_HINT = (
    "安装 LibreOffice 后重试：Debian/Ubuntu 运行 sudo apt-get install libreoffice-writer-nogui "
    "fonts-noto-cjk；Windows、macOS 从 https://zh-cn.libreoffice.org 下载安装。"
    "已安装在其他位置时，设置环境变量 JIANCHA_SOFFICE 指向 soffice 程序。"
)
FONT_HINT = "安装中文字体后重试，例如 Debian/Ubuntu 运行 sudo apt-get install fonts-noto-cjk；运行 jiancha doctor 查看字体情况。"


class LibreOfficeMissing(JianchaError):
    """No soffice could be found: PDFs cannot be made (the .docx files are unaffected)."""

    def __init__(self) -> None:
        super().__init__("未找到 LibreOffice（soffice），无法生成 PDF", hint=INSTALL_HINT)


class ChineseFontsMissing(JianchaError):
    """No installed font can show Chinese: a PDF would print boxes instead of text."""

    def __init__(self, report: FontReport) -> None:
        missing = "、".join(f.font.name for f in report.fonts if f.status == "missing" and f.font.chinese)
        super().__init__(
            f"没有可用的中文字体（{missing}），生成的 PDF 会显示方框，已停止转换", hint=FONT_HINT
        )


class LibreOfficeFailed(JianchaError):
    """LibreOffice could not be started at all."""


# -- finding LibreOffice ------------------------------------------------------------------------
def _candidates() -> list[Path]:
    found: list[Path] = []
    env = os.environ.get("JIANCHA_SOFFICE")
    if env:
        found.append(Path(env))
    for name in ("soffice", "libreoffice"):
        where = shutil.which(name)
        if where:
            found.append(Path(where))
    if sys.platform == "darwin":
        found.append(Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"))
    elif os.name == "nt":
        for root in (os.environ.get("PROGRAMFILES"), os.environ.get("PROGRAMFILES(X86)")):
            if root:
                found.append(Path(root) / "LibreOffice" / "program" / "soffice.exe")
    else:
        found.extend(sorted(Path("/opt").glob("libreoffice*/program/soffice"), reverse=True))
    return found


def find_soffice() -> Path | None:
    """JIANCHA_SOFFICE, then soffice/libreoffice on PATH, then the usual install locations."""
    explicit = os.environ.get("JIANCHA_SOFFICE")
    for path in _candidates():
        if path.is_file() and os.access(path, os.X_OK):
            return path
        if explicit and path == Path(explicit):
            return None  # a wrong JIANCHA_SOFFICE is not silently replaced by another soffice
    return None


def libreoffice_version(soffice: Path, timeout: float = 30) -> str | None:
    """E.g. "LibreOffice 7.4.7.2"; None when soffice does not answer."""
    try:
        with tempfile.TemporaryDirectory(prefix="jiancha-lo-") as profile:
            result = subprocess.run(
                [str(soffice), f"-env:UserInstallation={Path(profile).as_uri()}", "--version"],
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = result.stdout.split()
    return " ".join(words[:2]) if len(words) >= 2 else None


# -- results ------------------------------------------------------------------------------------
@dataclass
class PdfOutcome:
    source: Path
    pdf: Path | None = None  # where the PDF was written
    error: str | None = None  # why not, in Chinese
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.pdf is not None


@dataclass
class PdfReport:
    outcomes: list[PdfOutcome] = field(default_factory=list)
    soffice: Path | None = None
    fonts: FontReport | None = None
    processes: int = 0  # LibreOffice processes started: 1 unless a retry was needed
    seconds: float = 0.0

    @property
    def converted(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.ok)

    @property
    def ok(self) -> bool:
        return self.failed == 0


def pdf_destinations(sources: Sequence[Path], outdir: Path | None = None) -> list[Path]:
    """Beside each document, or in ``outdir`` with ``_2``, ``_3``… when two stems collide."""
    if outdir is None:
        return [s.with_suffix(".pdf") for s in sources]
    used: set[str] = set()
    destinations = []
    for source in sources:
        stem, number = source.stem, 1
        while f"{stem}.pdf".casefold() in used:
            number += 1
            stem = f"{source.stem}_{number}"
        used.add(f"{stem}.pdf".casefold())
        destinations.append(outdir / f"{stem}.pdf")
    return destinations


# -- conversion ---------------------------------------------------------------------------------
UNREADABLE = "LibreOffice 无法打开此文件（文件可能已损坏，或不是 Word 文档）"


@dataclass(frozen=True)
class _Run:
    exit_code: int | None
    killed: bool


@dataclass
class _Job:
    outcome: PdfOutcome
    staged: Path
    produced: Path
    destination: Path


def convert_to_pdf(
    sources: Sequence[Path],
    outdir: Path | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    soffice: Path | None = None,
    fonts: FontReport | None = None,
    on_done: Callable[[PdfOutcome], None] | None = None,
) -> PdfReport:
    """Convert every document with one LibreOffice process; never raises for one bad document.

    Raises ``LibreOfficeMissing`` without LibreOffice, ``ChineseFontsMissing`` when the text
    would print as boxes, ``LibreOfficeFailed`` when LibreOffice cannot start at all.
    """
    started = time.monotonic()
    soffice = soffice or find_soffice()
    if soffice is None:
        raise LibreOfficeMissing()
    fonts = fonts if fonts is not None else preflight()
    if not fonts.ok:
        raise ChineseFontsMissing(fonts)
    report = PdfReport(soffice=soffice, fonts=fonts)
    if outdir is not None:
        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise LibreOfficeFailed(f"无法创建输出文件夹 {outdir}：{os_reason(e)}") from e
    destinations = pdf_destinations(sources, outdir)
    workdir = Path(tempfile.mkdtemp(prefix="jiancha-pdf-"))
    try:
        jobs = _stage(sources, destinations, workdir, report)
        _Runner(soffice, workdir, timeout, report, on_done).run(jobs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report


def _stage(
    sources: Sequence[Path], destinations: Sequence[Path], workdir: Path, report: PdfReport
) -> list[_Job]:
    """Link each document into the work folder under a numbered name."""
    (workdir / "in").mkdir()
    (workdir / "out").mkdir()
    jobs = []
    for index, (source, destination) in enumerate(zip(sources, destinations, strict=True), 1):
        outcome = PdfOutcome(source)
        report.outcomes.append(outcome)
        if not source.is_file():
            outcome.error = "文件不存在"
            continue
        if source.suffix.lower() != ".docx":
            outcome.error = "不是 Word 文档（.docx），未转换"
            continue
        staged = workdir / "in" / f"{index:05d}.docx"
        try:
            staged.symlink_to(source.resolve())
        except OSError:  # Windows without the symlink privilege
            try:
                shutil.copyfile(source, staged)
            except OSError as e:
                outcome.error = f"无法读取：{os_reason(e)}"
                continue
        jobs.append(_Job(outcome, staged, workdir / "out" / f"{index:05d}.pdf", destination))
    return jobs


class _Runner:
    def __init__(
        self,
        soffice: Path,
        workdir: Path,
        timeout: float,
        report: PdfReport,
        on_done: Callable[[PdfOutcome], None] | None,
    ) -> None:
        self.soffice = soffice
        self.workdir = workdir
        self.timeout = timeout
        self.report = report
        self.on_done = on_done
        self.log = workdir / "soffice.log"
        self.env = conversion_environment()
        self.env.setdefault("SAL_USE_VCLPLUGIN", "svp")

    def command(self, jobs: list[_Job]) -> list[str]:
        return [
            str(self.soffice),
            f"-env:UserInstallation={(self.workdir / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            # Read every file as Word 2007+: a damaged .docx then fails instead of being
            # guessed to be plain text and printed as a page of XML.
            "--infilter=MS Word 2007 XML",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(self.workdir / "out"),
            *[str(job.staged) for job in jobs],
        ]

    def run(self, jobs: list[_Job]) -> None:
        pending = [job for job in jobs if job.outcome.error is None]
        broken = 0  # processes in a row that exited on their own, with an error, converting nothing
        while pending:
            result = self.run_once(pending)
            done = [i for i, job in enumerate(pending) if job.outcome.ok]
            last_done = done[-1] if done else -1
            if result.exit_code == 0:
                # LibreOffice went through the whole list: what has no PDF, it could not open.
                for job in pending:
                    if not job.outcome.ok:
                        self.fail(job, UNREADABLE)
                return
            # LibreOffice converts in order: documents before the last converted one that have no
            # PDF were skipped as unreadable; the one after it is the one it hung or died on.
            for job in pending[:last_done]:
                if not job.outcome.ok:
                    self.fail(job, UNREADABLE)
            pending = pending[last_done + 1 :]
            if not pending:
                return
            broken = broken + 1 if not result.killed and not done else 0
            if broken >= MAX_ATTEMPTS + 1 and self.report.converted == 0:
                raise LibreOfficeFailed(
                    "LibreOffice 无法启动或反复异常退出，未能生成 PDF：" + self.log_tail(),
                    hint="运行 jiancha doctor 检查 LibreOffice 是否完整安装。",
                )
            culprit = pending[0]
            culprit.outcome.attempts += 1
            if culprit.outcome.attempts >= MAX_ATTEMPTS:
                if result.killed:
                    message = f"转换超时：LibreOffice 处理此文件超过 {self.timeout:g} 秒，已重试一次仍未完成"
                else:
                    message = (
                        f"LibreOffice 转换此文件时异常退出（退出码 {result.exit_code}），已重试一次仍失败"
                    )
                self.fail(culprit, message)
                pending = pending[1:]

    def run_once(self, pending: list[_Job]) -> _Run:
        """One soffice over ``pending``, watched until it exits or makes no progress in time."""
        self.report.processes += 1
        with open(self.log, "ab") as log:
            process = subprocess.Popen(
                self.command(pending),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                **_new_process_group(),
            )
        remaining = list(pending)
        allowance = self.timeout + STARTUP_ALLOWANCE
        last_progress = time.monotonic()
        try:
            while True:
                exit_code = process.poll()
                present = _names(self.workdir / "out")
                for job in [j for j in remaining if j.produced.name in present and _complete(j.produced)]:
                    remaining.remove(job)
                    self.deliver(job)
                    last_progress, allowance = time.monotonic(), self.timeout
                if exit_code is not None:
                    return _Run(exit_code, killed=False)
                if time.monotonic() - last_progress > allowance:
                    _kill_group(process)
                    return _Run(process.returncode, killed=True)
                time.sleep(POLL_INTERVAL)
        finally:
            if process.poll() is None:  # interrupted (Ctrl+C) or an unexpected error
                _kill_group(process)

    def deliver(self, job: _Job) -> None:
        try:
            _move_atomic(job.produced, job.destination)
        except OSError as e:
            self.fail(job, f"无法写入 {job.destination}：{os_reason(e)}")
            return
        job.outcome.pdf = job.destination
        job.outcome.attempts += 1
        if self.on_done:
            self.on_done(job.outcome)

    def fail(self, job: _Job, message: str) -> None:
        job.outcome.error = message
        if self.on_done:
            self.on_done(job.outcome)

    def log_tail(self) -> str:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            return "没有输出"
        return " / ".join(lines[-3:]) or "没有输出"


def _names(folder: Path) -> set[str]:
    try:
        return {entry.name for entry in os.scandir(folder)}
    except OSError:
        return set()


def _complete(pdf: Path) -> bool:
    """A PDF LibreOffice has finished writing ends with %%EOF."""
    try:
        with open(pdf, "rb") as stream:
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            if size < 64:
                return False
            stream.seek(max(0, size - 1024))
            return b"%%EOF" in stream.read()
    except OSError:
        return False


def _move_atomic(produced: Path, destination: Path) -> None:
    """Copy into the destination folder under a temporary name, then rename over the target:
    a reader never sees half a PDF. A PDF is derived from its document, so it is replaced."""
    from ..fileio import atomic_file

    destination.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(destination, overwrite=True) as target, open(produced, "rb") as source:
        shutil.copyfileobj(source, target)
    # Still open by LibreOffice on Windows: the work folder is removed at the end anyway.
    with contextlib.suppress(OSError):
        produced.unlink()


def _new_process_group() -> dict:
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _kill_group(process: subprocess.Popen) -> None:
    """Kill soffice and everything it started (soffice.bin is a child of the soffice script)."""
    try:
        if os.name == "nt":
            subprocess.run(
                ["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True, check=False
            )
        else:
            os.killpg(process.pid, signal.SIGKILL)
    except (OSError, ProcessLookupError):
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
