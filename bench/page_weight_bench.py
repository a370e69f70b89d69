"""Benchmark of what a page costs a browser: bytes transferred on a first and a repeat visit, and load time.

Debian's chromium (through Playwright) opens the site as `python app.py` serves it: each visit counts the bytes
that crossed the network (Chrome DevTools' encodedDataLength: headers and compressed bodies) and reads the
load event from the Navigation Timing API. A first visit starts with an empty cache; a repeat visit opens
the same page again in the same browser, as a student coming back does. Bounded: a fixed number of visits.

    .venv/bin/python bench/page_weight_bench.py [--visits 10] [--page /en/replay]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile

from replay_bench import start_site, stop_process

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# The targets of the replay page.
FIRST_VISIT_BYTES = 40 * 1024
REPEAT_VISIT_BYTES = 12 * 1024
LOAD_MS = 300


def visit(page, cdp, url: str) -> tuple[int, float, int]:
    """Bytes transferred, the load event's time (ms after navigation start), and the number of requests."""
    transferred = {"bytes": 0, "requests": 0}

    def finished(event: dict) -> None:
        transferred["bytes"] += int(event.get("encodedDataLength", 0))
        transferred["requests"] += 1

    cdp.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    cdp.remove_listener("Network.loadingFinished", finished)
    load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    return transferred["bytes"], float(load), transferred["requests"]


def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10, help="first visits and repeat visits each (default 10)")
    parser.add_argument("--page", default="/en/replay", help="the page to open (default /en/replay)")
    args = parser.parse_args()
    if args.visits < 1:
        parser.error("--visits must be at least 1")
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if chromium is None or sync_playwright is None:
        print("page weight: needs Debian's chromium and Playwright for Python", file=sys.stderr)
        return 1

    folder = tempfile.mkdtemp(prefix="ht-bench-", dir="/tmp")
    process, base = start_site(folder, pull_pace=0)
    firsts, repeats, loads, requests_first = [], [], [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                for _ in range(args.visits):
                    context = browser.new_context()  # an empty cache: a first visit
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    first, load, count = visit(page, cdp, base + args.page)
                    firsts.append(first)
                    loads.append(load)
                    requests_first.append(count)
                    repeat, _, _ = visit(page, cdp, base + args.page)
                    repeats.append(repeat)
                    context.close()
            finally:
                browser.close()
    finally:
        stop_process(process)
        shutil.rmtree(folder, ignore_errors=True)

    first_kb, repeat_kb = statistics.median(firsts) / 1024, statistics.median(repeats) / 1024
    load_ms = statistics.median(loads)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; {args.page}, {args.visits} visits of each "
          "kind, medians")
    print(f"first visit: {first_kb:.1f} KB transferred in {statistics.median(requests_first):.0f} requests "
          f"(target ≤ {FIRST_VISIT_BYTES // 1024} KB: {verdict(statistics.median(firsts), FIRST_VISIT_BYTES)})")
    print(f"repeat visit: {repeat_kb:.1f} KB transferred "
          f"(target ≤ {REPEAT_VISIT_BYTES // 1024} KB: {verdict(statistics.median(repeats), REPEAT_VISIT_BYTES)})")
    print(f"load event: {load_ms:.0f} ms after navigation start, max {max(loads):.0f} ms "
          f"(target ≤ {LOAD_MS} ms: {verdict(load_ms, LOAD_MS)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
