"""Document extraction: time and peak memory per document, and the PDF engine comparison.

Each case runs in its own child process (so peak RSS belongs to that case alone): the
fixture is written to a temporary file first, then the child imports MockFlow, notes its
RSS (imports included), extracts the file `--runs` times and reports p50/p95 wall time and peak RSS.
The engine section compares pypdf and PDFium (pypdfium2) on word spacing of the
LaTeX-style fixture and on speed per page. "isolated" cases read through
`extract_isolated`: their peak RSS is the caller's; the child is capped by
`max_memory_bytes`. Prints figures; asserts nothing.

    python bench/extract.py [--runs 20]
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import docfixtures as fx  # noqa: E402

LATEX_LINES = [
    "Jane Doe · DevOps Engineer · Software Architect",
    "Be the change that you wish to see in the world",
    "Quality first: shipped a Kubernetes operator in Go",
]
# name: (file name, builder, ExtractLimits overrides, run in a child process, most runs)
CASES: dict[str, tuple[str, Callable[[], bytes], dict[str, int], bool, int]] = {
    "resume PDF (1 page)": ("resume.pdf", lambda: fx.text_pdf([fx.resume_lines()]), {}, False, 0),
    "LaTeX-style PDF": ("cv.pdf", lambda: fx.latex_style_pdf(LATEX_LINES), {}, False, 0),
    "300-page PDF (refused)": ("long.pdf", lambda: fx.many_pages_pdf(300), {}, False, 0),
    "300-page PDF (max_pages=300)": (
        "long.pdf",
        lambda: fx.many_pages_pdf(300),
        {"max_pages": 300},
        False,
        0,
    ),
    "DOCX resume": ("cv.docx", lambda: fx.docx_bytes(fx.resume_lines()), {}, False, 0),
    "DOCX zip bomb (200 MB)": (
        "bomb.docx",
        lambda: fx.zip_bomb_docx(unpacked_mb=200),
        {},
        False,
        0,
    ),
    "DOCX zip bomb, forged sizes": ("bomb.docx", fx.lying_zip_bomb_docx, {}, False, 0),
    "resume PDF, isolated": ("resume.pdf", lambda: fx.text_pdf([fx.resume_lines()]), {}, True, 0),
    "PDF flate bomb 1 GB, isolated": ("cv.pdf", lambda: fx.flate_bomb_pdf(1000), {}, True, 3),
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def peak_rss_kb() -> int:
    """This process's peak RSS. Not ru_maxrss: Linux carries that over from the parent
    across fork and exec, and the parent built the fixtures."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(path: str, runs: int, limits: dict[str, int], isolated: bool) -> None:
    """Runs in the child process: extract `path` `runs` times; print a JSON line."""
    import psutil

    from mockflow.documents import DocumentError, ExtractLimits, extract_document, extract_isolated

    extract = extract_isolated if isolated else extract_document

    before = psutil.Process().memory_info().rss // 1024
    times, outcome = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        try:
            text = extract(Path(path), limits=ExtractLimits(**limits)).text
            outcome = f"{len(text):,} chars"
        except DocumentError as exc:
            outcome = type(exc).__name__
        times.append(time.perf_counter() - start)
    peak = peak_rss_kb()
    print(json.dumps({"times": times, "before_kb": before, "peak_kb": peak, "outcome": outcome}))


def run_case(name: str, runs: int) -> None:
    filename, build, limits, isolated, most_runs = CASES[name]
    runs = min(runs, most_runs or runs)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / filename
        path.write_bytes(build())
        size = path.stat().st_size
        command = [sys.executable, __file__, "--child", str(path), "--runs", str(runs)]
        command += ["--limits", json.dumps(limits)] + (["--isolated"] if isolated else [])
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    data = json.loads(result.stdout)
    times_ms = [t * 1000 for t in data["times"]]
    print(
        f"{name:30} {size / 1000:7.0f} KB  p50 {statistics.median(times_ms):7.1f} ms  "
        f"p95 {percentile(times_ms, 0.95):7.1f} ms  peak RSS {data['peak_kb'] / 1024:6.1f} MB "
        f"(RSS before {data['before_kb'] / 1024:5.1f} MB)  -> {data['outcome']}"
    )


def compare_engines(runs: int) -> None:
    import pypdf
    import pypdfium2 as pdfium

    def with_pypdf(data: bytes) -> list[str]:
        return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]

    def with_pdfium(data: bytes) -> list[str]:
        document = pdfium.PdfDocument(data)
        try:
            return [document[i].get_textpage().get_text_bounded() for i in range(len(document))]
        finally:
            document.close()

    latex = fx.latex_style_pdf(LATEX_LINES)
    pages = fx.text_pdf([fx.resume_lines()] * 20)
    print("\nPDF engines (LaTeX-style fixture: Type0 font without a space glyph, TJ word gaps)")
    for name, engine in (("pypdf", with_pypdf), ("pypdfium2", with_pdfium)):
        lines = [" ".join(line.split()) for line in "\n".join(engine(latex)).splitlines()]
        separated = sum(line in LATEX_LINES for line in lines)
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            engine(pages)
            timings.append((time.perf_counter() - start) * 1000 / 20)
        print(
            f"  {name:10} words separated on {separated}/{len(LATEX_LINES)} lines "
            f"(first: {lines[0]!r}); {statistics.median(timings):.2f} ms/page (p50, 20-page PDF)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--child")
    parser.add_argument("--limits", default="{}")
    parser.add_argument("--isolated", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.runs, json.loads(args.limits), args.isolated)
        return
    print(f"extraction, up to {args.runs} runs per case, each case in a fresh process")
    for name in CASES:
        run_case(name, args.runs)
    compare_engines(args.runs)


if __name__ == "__main__":
    from bench.cleanup import stops_children

    with stops_children():
        main()
