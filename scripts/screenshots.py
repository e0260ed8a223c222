"""Take the README's screenshots of the web site: search, article and entity pages, at
desktop (1280 px) and phone (390 px) width, into docs/screenshots/.

It indexes samples/ into a temporary directory, serves the real app on a free local port and
drives Debian's Chromium with Playwright (the same set-up as the browser tests)::

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--chromium PATH]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsearch.app import create_app  # noqa: E402
from newsearch.engine import open_engine  # noqa: E402
from newsearch.indexer import update_index  # noqa: E402
from newsearch.params import parse_search_params  # noqa: E402
from newsearch.search import search  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--font-render-hinting=none"]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
MAX_HEIGHT = {"desktop": 1800, "phone": 1800}
SEARCH_QUERY = "port OR energy OR climate"


def pick_pages(index_dir: Path) -> dict[str, str]:
    """The three pages to show, chosen from what the sample index holds."""
    engine = open_engine(index_dir)
    try:
        result = search(engine, parse_search_params({"q": [SEARCH_QUERY]}))
        hit = result.hits[0]
        browse = search(engine, parse_search_params({}))
        place = browse.facets["place"][0].value
    finally:
        engine.close()
    return {
        "search": f"/?q={quote(SEARCH_QUERY)}",
        "article": f"/article/{hit.id}?q={quote(SEARCH_QUERY)}",
        "entity": f"/entity/place/{quote(place)}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsearch-shots-") as tmp:
        index_dir = Path(tmp) / "index"
        summary = update_index([ROOT / "samples"], index_dir, engine="whoosh", jobs=1)
        if summary.error:
            print(f"indexing failed: {summary.error}", file=sys.stderr)
            return 1
        pages = pick_pages(index_dir)
        app = create_app({"index": str(index_dir)})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium,
                                                     args=CHROMIUM_ARGS)
                for device, (width, height) in WIDTHS.items():
                    context = browser.new_context(viewport={"width": width, "height": height},
                                                  device_scale_factor=1)
                    page = context.new_page()
                    for name, path in pages.items():
                        page.goto(base + path)
                        page.wait_for_load_state("load")
                        target = args.out / f"{name}-{device}.png"
                        height = page.evaluate("document.documentElement.scrollHeight")
                        # The whole page, cut at MAX_HEIGHT (long phone pages).
                        page.screenshot(path=str(target), full_page=True, clip={
                            "x": 0, "y": 0, "width": width,
                            "height": min(height, MAX_HEIGHT[device])})
                        print(f"{target.relative_to(ROOT)}  <- {path}")
                    context.close()
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
            app.extensions["newsearch"].close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
