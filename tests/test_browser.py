"""End to end in a real browser: the built site served on 127.0.0.1, opened in headless Chromium (Debian's
`chromium`, driven by Playwright through executable_path). Screenshots are saved in the test's tmp folder."""
from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_site import built_real_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="no Chromium: install Debian's `chromium` (apt-get install chromium; "
                                       ".ci/run does) to run the browser test")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    site = built_real_site(tmp_path_factory)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser_page(base_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15000)
        # The site must work from 127.0.0.1 alone: fail on any request elsewhere (fonts, analytics).
        outside = []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url)
                   else (outside.append(route.request.url), route.abort()))
        yield page
        browser.close()


def shot(page, tmp_path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    return path


def test_home_page_renders_with_the_grid(browser_page, base_url, tmp_path):
    browser_page.goto(base_url + "/")
    assert browser_page.locator("h1").first.inner_text().startswith("The best research resources, with why and for whom")
    from kb.model import load_taxonomy

    top_domains = load_taxonomy(Path(__file__).resolve().parents[1] / "entries")[0].top_domains()
    assert browser_page.locator(".kb-grid table tbody tr").count() == len(top_domains) + 1  # and the total
    assert browser_page.locator(".kb-cards .kb-card").count() == 10
    shot(browser_page, tmp_path, "home")


def test_domain_page_lists_its_entries(browser_page, base_url, tmp_path):
    browser_page.goto(base_url + "/domains/physics/statistical-mechanics/")
    titles = browser_page.locator("a.kb-card__title").all_inner_texts()
    assert "Statistical Mechanics (Spring 2013)" in titles
    browser_page.get_by_role("link", name="Details, why and for whom").first.click()
    browser_page.wait_for_url("**/entries/statistical-mechanics-susskind/")
    shot(browser_page, tmp_path, "domain-then-entry")


def test_search_for_susskind_shows_his_lectures(browser_page, base_url, tmp_path):
    browser_page.goto(base_url + "/", wait_until="networkidle")  # the search worker has its index
    browser_page.locator("input.md-search__input").click()
    browser_page.locator("input.md-search__input").press_sequentially("Susskind")
    results = browser_page.locator(".md-search-result__item")
    results.first.wait_for(timeout=30000)  # slow when the machine is busy
    text = " ".join(results.all_inner_texts())
    for title in ("Statistical Mechanics", "Classical Mechanics", "Quantum Mechanics", "General Relativity"):
        assert title in text
    shot(browser_page, tmp_path, "search")


def test_entry_page_shows_its_link_and_bibtex_copy_button(browser_page, base_url, tmp_path):
    browser_page.goto(base_url + "/entries/coconut-latent-reasoning/")
    open_link = browser_page.get_by_role("link", name="Open the resource")
    assert open_link.get_attribute("href") == "https://arxiv.org/abs/2412.06769"
    assert open_link.is_visible()
    assert browser_page.locator(".kb-link--broken").inner_text().startswith("The link looked broken")
    browser_page.locator("#cite").scroll_into_view_if_needed()
    copy = browser_page.locator('button.md-code__button[data-md-type="copy"]')  # Material's copy button
    copy.wait_for()
    assert copy.count() == 1 and "@misc{coconut-latent-reasoning," in browser_page.locator(".highlight code").inner_text()
    shot(browser_page, tmp_path, "entry")


def test_unknown_address_gets_the_404_page(browser_page, base_url):
    browser_page.goto(base_url + "/404.html")
    assert browser_page.locator("h1").first.inner_text().startswith("Page not found")


def test_path_page_shows_the_picture_in_light_and_dark(browser_page, base_url, tmp_path):
    def lightness(colour: str) -> float:  # "rgb(r, g, b)" or "rgba(r, g, b, a)" -> 0 (black) .. 1 (white)
        r, g, b = (float(v) for v in colour[colour.index("(") + 1:].rstrip(")").split(",")[:3])
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255

    def colours(page) -> tuple[float, float]:  # (node text, node box) of the first step drawn
        node = page.locator("svg.kb-path-svg a.kb-node").first
        return (lightness(node.locator("text").first.evaluate("e => getComputedStyle(e).fill")),
                lightness(node.locator("rect").evaluate("e => getComputedStyle(e).fill")))

    browser_page.goto(base_url + "/paths/physics/")
    picture = browser_page.locator("svg.kb-path-svg")
    picture.scroll_into_view_if_needed()
    assert picture.is_visible() and picture.bounding_box()["width"] > 300
    nodes = picture.locator("a.kb-node")
    assert nodes.count() == browser_page.locator(".kb-step").count() >= 3  # a node per step listed
    assert picture.locator("path.kb-edge").count() >= 2
    text, box = colours(browser_page)
    assert text < 0.4 < 0.6 < box  # dark text on a light box
    shot(browser_page, tmp_path, "path-light")
    # a visitor whose system is in dark mode (a fresh context: Material remembers the scheme it chose)
    dark = browser_page.context.browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
    try:
        page = dark.new_page()
        page.goto(base_url + "/paths/physics/")
        page.locator("svg.kb-path-svg").scroll_into_view_if_needed()
        text, box = colours(page)
        assert box < 0.4 < 0.6 < text  # Material's dark scheme: light text on a dark box
        shot(page, tmp_path, "path-dark")
    finally:
        dark.close()
    first = nodes.first.get_attribute("data-entry")
    nodes.first.click()
    browser_page.wait_for_url(f"**/entries/{first}/")
    assert browser_page.locator("h1").first.is_visible()
