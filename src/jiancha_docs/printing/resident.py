"""A resident LibreOffice for previews: one soffice kept warm, restarted if it dies, killed on exit.

Starting LibreOffice costs seconds; converting a one-page document once it runs costs a fraction
of one. The web front therefore keeps one headless soffice listening on a private pipe (private
profile, own process group, the font rules of ``fonts.conf``) and one bridge program
(uno_bridge.py) run by the system Python, for which Debian's python3-uno is built. Requests are
served one at a time (a lock): LibreOffice is single-threaded per process anyway.

A request that fails because either process died restarts both and is tried once more. ``close``
(and interpreter exit) kills both process groups and removes the profile.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from ..errors import JianchaError
from .convert import _kill_group, _new_process_group, find_soffice
from .fonts import conversion_environment

BRIDGE = Path(__file__).with_name("uno_bridge.py")
SYSTEM_PYTHON = Path(os.environ.get("JIANCHA_UNO_PYTHON", "/usr/bin/python3"))
START_TIMEOUT = 90.0
REQUEST_TIMEOUT = 60.0


class PreviewUnavailable(JianchaError):
    """No LibreOffice (or no python3-uno) here: previews are given as text."""


def uno_available(python: Path = SYSTEM_PYTHON) -> bool:
    if not python.is_file():
        return False
    found = subprocess.run([str(python), "-c", "import uno"], capture_output=True, check=False, timeout=30)
    return found.returncode == 0


class ResidentOffice:
    """One warm LibreOffice. ``convert`` is thread-safe; ``close`` is idempotent."""

    def __init__(self, soffice: Path | None = None, python: Path = SYSTEM_PYTHON) -> None:
        self.soffice = soffice or find_soffice()
        self.python = python
        self._lock = threading.Lock()
        self._office: subprocess.Popen | None = None
        self._bridge: subprocess.Popen | None = None
        self._workdir: Path | None = None
        self.starts = 0  # how many times soffice was started (a restart counts)
        atexit.register(self.close)

    @property
    def available(self) -> bool:
        return self.soffice is not None and uno_available(self.python)

    # -- life cycle --------------------------------------------------------------------------------
    def _start(self) -> None:
        if self.soffice is None:
            raise PreviewUnavailable("未找到 LibreOffice（soffice），无法生成页面预览")
        self._stop()
        self._workdir = Path(tempfile.mkdtemp(prefix="jiancha-office-"))
        pipe = f"jiancha_{uuid.uuid4().hex}"
        env = conversion_environment()
        env.setdefault("SAL_USE_VCLPLUGIN", "svp")
        self._office = subprocess.Popen(
            [
                str(self.soffice),
                f"-env:UserInstallation={(self._workdir / 'profile').as_uri()}",
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                "--nolockcheck",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            **_new_process_group(),
        )
        self._bridge = subprocess.Popen(
            [str(self.python), str(BRIDGE), pipe],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            **_new_process_group(),
        )
        self.starts += 1
        answer = self._read(START_TIMEOUT)
        if not answer.get("ready"):
            self._stop()
            raise PreviewUnavailable("LibreOffice 未能启动，无法生成页面预览")

    def _alive(self) -> bool:
        return (
            self._office is not None
            and self._office.poll() is None
            and self._bridge is not None
            and self._bridge.poll() is None
        )

    def _stop(self) -> None:
        for process in (self._bridge, self._office):
            if process is not None and process.poll() is None:
                _kill_group(process)
        self._bridge = self._office = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def close(self) -> None:
        with self._lock:
            self._stop()

    def pid(self) -> int | None:
        """soffice's process id (for tests that kill it to see it restarted)."""
        return self._office.pid if self._office is not None else None

    # -- requests ----------------------------------------------------------------------------------
    def _read(self, timeout: float) -> dict[str, Any]:
        assert self._bridge is not None and self._bridge.stdout is not None
        ready, _, _ = select.select([self._bridge.stdout], [], [], timeout)
        line = self._bridge.stdout.readline() if ready else ""
        if not line:
            return {}
        return json.loads(line)

    def _request(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._bridge is not None and self._bridge.stdin is not None
        try:
            self._bridge.stdin.write(json.dumps(request) + "\n")
            self._bridge.stdin.flush()
        except (BrokenPipeError, OSError):
            return {}
        return self._read(REQUEST_TIMEOUT)

    def pdf(self, source: Path, target: Path, pages: str | None = None) -> Path:
        """Write ``target``: ``source`` as PDF (only ``pages``, e.g. "1", when given)."""
        request = {"source": str(source.resolve()), "target": str(target.resolve()), "pages": pages or ""}
        with self._lock:
            for _attempt in range(2):
                if not self._alive():
                    self._start()
                answer = self._request(request)
                if answer.get("ok") and target.is_file():
                    return target
                if answer and self._alive():  # LibreOffice answered: the document is the problem
                    raise JianchaError(f"LibreOffice 无法转换文书：{answer.get('error', '')}")
                self._stop()  # a process died or hung: start afresh and try once more
            raise JianchaError("LibreOffice 在转换时异常退出，已重新启动后仍失败")

    def first_page_png(self, source: Path, target: Path, dpi: int = 60) -> Path:
        """Write ``target``: the first page of ``source`` as a PNG (LibreOffice → PDF → poppler)."""
        pdf = target.with_suffix(".pdf")
        self.pdf(source, pdf, pages="1")
        try:
            return pdf_page_png(pdf, target, dpi)
        finally:
            pdf.unlink(missing_ok=True)


def pdf_page_png(pdf: Path, target: Path, dpi: int = 60) -> Path:
    """The first page of a PDF as a PNG: drawn by PDFium in this process (no program to start,
    a few times faster), else by poppler's pdftoppm."""
    try:
        import pypdfium2
    except ImportError:
        return _poppler_png(pdf, target, dpi)
    try:
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            image = document[0].render(scale=dpi / 72).to_pil()
        finally:
            document.close()
        image.save(target, format="PNG", compress_level=3)
    except (pypdfium2.PdfiumError, OSError, IndexError) as e:
        raise JianchaError(f"无法把 PDF 的第一页转为图片：{e}") from e
    return target


def _poppler_png(pdf: Path, target: Path, dpi: int) -> Path:
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PreviewUnavailable("未找到 pdftoppm（poppler-utils），无法生成页面预览")
    stem = target.with_suffix("")
    done = subprocess.run(
        [tool, "-f", "1", "-l", "1", "-singlefile", "-png", "-r", str(dpi), str(pdf), str(stem)],
        capture_output=True,
        check=False,
        timeout=REQUEST_TIMEOUT,
    )
    produced = stem.with_suffix(".png")
    if done.returncode != 0 or not produced.is_file():
        raise JianchaError("无法把 PDF 的第一页转为图片（pdftoppm 出错）")
    if produced != target:
        produced.replace(target)
    return target
