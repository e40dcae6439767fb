"""Print the single-page build of the book to one PDF with headless Chromium (`make pdf`).

    python book/_ext/print_pdf.py _build/singlehtml _build/pdf/hwlib-book.pdf

Sphinx's singlehtml builder writes the master page (book/intro.html) with links relative to the
build's root, so the page is copied to the root (print.html) and served from there.
The page is served from a local server (nothing leaves 127.0.0.1), MathJax finishes typesetting,
every toggle is opened (a printed page cannot be clicked: the solutions and their checks print
after each chapter's exercises), and the print stylesheet is applied. Then it checks that nothing
would be clipped in print (no code or output wider than its box, no equation wider than the
page) and fails with the offenders if anything is; otherwise it prints with Chromium's
print-to-PDF and reports the page count.
"""

import argparse
import base64
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from conftest import serve  # noqa: E402  (the test suite's quiet local server)

PREPARE = """
const done = arguments[arguments.length - 1];
if (document.querySelector('.math') && !(window.MathJax && MathJax.startup)) done('MathJax did not load');
const settle = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
settle.then(() => document.fonts.ready).then(() => {
  document.querySelectorAll('.admonition.dropdown button.toggle-button, details:not([open]) > summary')
    .forEach(b => b.click());
  document.querySelectorAll('details').forEach(d => d.open = true);
  setTimeout(() => done(true), 1000);
}).catch(e => done(String(e)));
"""

CLIPPED = """
const page = document.querySelector('.bd-article') || document.body;
const right = page.getBoundingClientRect().right;
const label = (e) => (e.closest('section[id]') || {id: '?'}).id + ': ' + e.textContent.trim().slice(0, 60);
return [...document.querySelectorAll('pre, mjx-container[display="true"], table, img')]
  .filter(e => e.getBoundingClientRect().width > 0
          && (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > right + 1))
  .map(e => e.tagName + ' ' + label(e));
"""


def master_page(site):
    """The single-page build's one page, copied to the root where its links point."""
    site = Path(site).resolve()
    pages = [p for p in site.rglob("*.html") if p.parent != site and "_static" not in p.parts]
    if len(pages) != 1:
        raise SystemExit(f"{site}: expected one page below the root, found {pages}")
    target = site / "print.html"
    shutil.copyfile(pages[0], target)
    return target


def _print(driver):
    """The page as PDF bytes, A4 with 1.5 cm margins, through the DevTools protocol: chromedriver's
    own print command waits on the renderer with a fixed 10 s timeout, which a 138-page print
    on a loaded machine exceeds."""
    cm = 1 / 2.54
    result = driver.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": 21.0 * cm, "paperHeight": 29.7 * cm, "marginTop": 1.5 * cm,
        "marginBottom": 1.5 * cm, "marginLeft": 1.5 * cm, "marginRight": 1.5 * cm,
        "printBackground": True})
    return base64.b64decode(result["data"])


def print_book(html, pdf):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    html = Path(html).resolve()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--window-size=794,1123"):      # an A4 page at 96 dpi
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(300)
    site = html.parent
    try:
        with serve(site) as url:
            driver.get(f"{url}/{html.relative_to(site).as_posix()}")
            prepared = driver.execute_async_script(PREPARE)
            if prepared is not True:
                raise SystemExit(f"the page did not settle: {prepared}")
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
            time.sleep(0.5)
            clipped = driver.execute_script(CLIPPED)
            if clipped:
                raise SystemExit(f"{len(clipped)} elements would be clipped in print:\n  "
                                 + "\n  ".join(clipped[:20]))
            data = _print(driver)
    finally:
        driver.quit()
    pdf = Path(pdf)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(data)
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", help="the single-page build (jupyter-book build --builder singlehtml)")
    parser.add_argument("pdf", help="where to write the PDF")
    args = parser.parse_args()
    start = time.time()
    pages = print_book(master_page(args.site), args.pdf)
    if pages < 1:
        raise SystemExit(f"{args.pdf}: no pages")
    print(f"{args.pdf}: {pages} pages, {Path(args.pdf).stat().st_size / 1e6:.1f} MB, "
          f"printed in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
