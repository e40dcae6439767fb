"""Headless-Chromium check of the built site (run by `make test` after the book build).

For every page: it loads from a local server with no request failing and none leaving 127.0.0.1
(math, fonts and scripts are all vendored); MathJax typesets every math element without errors;
every image loads; no font fails; the browser console has no errors.
"""

import json
import shutil
from pathlib import Path

import pytest

from conftest import serve

SITE = Path(__file__).resolve().parents[1] / "_build" / "html"
PAGES = sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
               if "_static" not in p.parts and "_sources" not in p.parts) if SITE.is_dir() else []

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url():
    with serve(SITE) as url:
        yield url + "/"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail("the browser check needs Debian's chromium and chromium-driver: "
                    "apt-get install -y chromium chromium-driver (.ci/run does this)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
                 "--window-size=1280,900", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(driver), options=options)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def test_site_was_built():
    assert SITE.is_dir() and "index.html" in PAGES, f"no built site at {SITE}: run the book build first"


def _network(browser):
    """(url, status) of every response and the url of every request since the last call."""
    requests, responses = [], []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.responseReceived":
            responses.append((message["params"]["response"]["url"], message["params"]["response"]["status"]))
        elif message["method"] == "Network.loadingFailed" and not message["params"].get("canceled"):
            responses.append((message["params"].get("requestId"), message["params"]["errorText"]))
    return requests, responses


CHECK_PAGE = """
const done = arguments[arguments.length - 1];
const settle = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
settle.then(() => document.fonts.ready).then(() => {
  const imgs = [...document.images];
  done({
    math: document.querySelectorAll('.math, span.math, div.math').length,
    typeset: document.querySelectorAll('mjx-container').length,
    merrors: document.querySelectorAll('mjx-merror').length,
    mathjax: !!window.MathJax && !!MathJax.version ? MathJax.version : null,
    brokenImages: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    images: imgs.length,
    badFonts: [...document.fonts].filter(f => f.status === 'error').map(f => f.family),
  });
}).catch(e => done({error: String(e)}));
"""


@pytest.mark.parametrize("page", PAGES)
def test_page(browser, base_url, page):
    browser.get_log("browser"), browser.get_log("performance")     # drop what earlier pages left
    browser.set_script_timeout(60)
    browser.get(base_url + page)
    report = browser.execute_async_script(CHECK_PAGE)
    assert "error" not in report, report
    requests, responses = _network(browser)
    # chrome:// and similar are the browser's own pages; every web request must stay on the site
    outside = [u for u in requests if u.startswith(("http:", "https:", "ws:", "wss:")) and not u.startswith(base_url)]
    assert not outside, f"{page} requests resources from outside the site: {outside}"
    failed = [(u, s) for u, s in responses if not isinstance(s, int) or s >= 400]
    assert not failed, f"{page}: failed requests {failed}"
    assert report["merrors"] == 0, f"{page}: {report['merrors']} MathJax errors"
    assert report["typeset"] == report["math"], f"{page}: {report['math']} math elements, {report['typeset']} typeset"
    if report["math"]:
        assert report["mathjax"] and report["mathjax"].startswith("3."), report["mathjax"]
    assert not report["brokenImages"], f"{page}: images that did not load: {report['brokenImages']}"
    assert not report["badFonts"], f"{page}: fonts that failed to load: {report['badFonts']}"
    severe = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, f"{page}: console errors: {severe}"


def test_chapters_have_math_and_figures(browser, base_url):
    """The derivation chapters must actually show typeset math and figures (guards against empty pages)."""
    for page, min_math, min_images in (("book/01_backprop_by_hand.html", 20, 1),
                                       ("book/02_convolution_derived.html", 20, 2),
                                       ("book/03_softmax_and_two_layer_net.html", 10, 4),
                                       ("book/04_convnet_from_scratch.html", 4, 6),
                                       ("book/05_image_captioning.html", 10, 3),
                                       ("book/06_transfer_learning.html", 1, 4),
                                       ("book/07_transformers.html", 5, 4)):
        if page not in PAGES:
            pytest.fail(f"{page} is missing from the built site")
        browser.get(base_url + page)
        report = browser.execute_async_script(CHECK_PAGE)
        assert report["typeset"] >= min_math and report["images"] >= min_images, (page, report)
