"""End to end in a real browser, for the MkDocs and the Zensical build: the built site served on 127.0.0.1,
opened in headless Chromium (Debian's `chromium`, driven by Playwright through executable_path). Every
request to another host is aborted and fails the test that made it. Screenshots are saved in the test's
tmp folder."""
from __future__ import annotations

import functools
import json
import re
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import write_entry
from test_site import LINK_STATUS, REPO, build, site_root

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE_TITLE = "<img src=x onerror=alert('title')> Hostile <b>bold</b> paper"
STATMECH = "statistical-mechanics-susskind"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="no Chromium: install Debian's `chromium` (apt-get install chromium; "
                                       ".ci/run does) to run the browser test")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def base_url(request, tmp_path_factory):
    """The real entries, their link status and one hostile paper, built by `kb site build --engine`."""
    root = site_root(tmp_path_factory.mktemp(f"browser-{request.param}"), REPO / "entries")
    (root / ".kb").mkdir()
    (root / ".kb" / "link-status.json").write_text(json.dumps(LINK_STATUS), encoding="utf-8")
    write_entry(root, "paper", "hostile-paper", f"""\
        id: hostile-paper
        title: {json.dumps(HOSTILE_TITLE)}
        url: https://example.org/hostile
        domains: [physics/statistical-mechanics]
        audience: [researcher]
        authors: ["<script>alert('author')</script>"]
        year: 2020
        why: "Zyxwvut appears only here. <script>alert('why')</script>"
        for_whom: Testers.
        added: 2020-01-01
        """)
    site = build(root, request.param)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Browser:
    """Headless Chromium whose contexts abort, and record in `outside`, any request off 127.0.0.1."""

    def __init__(self, playwright, base_url: str):
        self.base_url, self.outside, self.dialogs = base_url, [], []
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)

    def context(self, **options):
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, **options)
        context.set_default_timeout(15000)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(self.base_url + "/")
                      else (self.outside.append(route.request.url), route.abort()))
        context.on("page", lambda page: page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss())))
        return context

    def page(self, context=None):
        page = (context or self.context()).new_page()
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        return page


@pytest.fixture(scope="module")
def browser(base_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = Browser(playwright, base_url)
        yield chromium
        chromium.browser.close()


@pytest.fixture
def page(browser):
    """A fresh context and page for each test (its own localStorage); after the test, no request may
    have left 127.0.0.1 and no script may have opened a dialog (the hostile entry's alert())."""
    context = browser.context()
    yield browser.page(context)
    context.close()
    outside, dialogs = list(browser.outside), list(browser.dialogs)
    browser.outside.clear()
    browser.dialogs.clear()
    assert not outside, f"requests to other hosts: {outside}"
    assert not dialogs, f"a script ran: {dialogs}"


def shot(page, tmp_path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    return path


def search(page, query: str):
    """Type a query in the header's search box, a key at a time; the result items once those for the
    whole query are shown (results for its first letters may come first)."""
    box = page.locator("#kb-search-input")
    box.click()
    box.press_sequentially(query)
    return answer(page, query)


def answer(page, query: str):
    page.locator(f'.kb-search__results[data-query="{query}"] .kb-result').first.wait_for(timeout=30000)  # busy machine
    return page.locator(".kb-result")


def test_the_off_site_guard_catches_a_request_elsewhere(browser, base_url):
    context = browser.context()
    page = browser.page(context)
    page.goto(base_url + "/")
    page.evaluate("fetch('https://fonts.googleapis.com/css?family=Roboto').catch(() => null)")
    page.wait_for_timeout(300)
    context.close()
    assert browser.outside == ["https://fonts.googleapis.com/css?family=Roboto"]
    browser.outside.clear()


def test_home_page_renders_with_the_grid_fitting_1280_px(page, base_url, tmp_path):
    page.goto(base_url + "/")
    assert page.locator("h1").first.inner_text().startswith("The best research resources, with why and for whom")
    from kb.model import load_taxonomy

    top_domains = load_taxonomy(Path(__file__).resolve().parents[1] / "entries")[0].top_domains()
    assert page.locator(".kb-grid table tbody tr").count() == len(top_domains) + 1  # and the total
    assert page.locator(".kb-cards .kb-card").count() == 10
    widths = page.evaluate("() => { const g = document.querySelector('.kb-grid'); return [g.scrollWidth, g.clientWidth,"
                           " document.documentElement.scrollWidth, document.documentElement.clientWidth]; }")
    assert widths[0] <= widths[1] and widths[2] <= widths[3], widths  # no horizontal scrollbar
    assert "CC BY-SA 4.0" in page.locator("footer").inner_text() and "MIT" in page.locator("footer").inner_text()
    shot(page, tmp_path, "home")


def test_domain_page_lists_its_entries(page, base_url, tmp_path):
    page.goto(base_url + "/domains/physics/statistical-mechanics/")
    titles = page.locator("a.kb-card__title").all_inner_texts()
    assert "Statistical Mechanics (Spring 2013)" in titles
    page.get_by_role("link", name="Details, why and for whom").first.click()
    page.wait_for_url("**/entries/*/")
    shot(page, tmp_path, "domain-then-entry")


def test_search_for_susskind_filters_by_audience_and_opens_an_entry(page, base_url, tmp_path):
    page.goto(base_url + "/")
    results = search(page, "Susskind")
    titles = " ".join(results.locator(".kb-result__title").all_inner_texts())
    for title in ("Statistical Mechanics", "Classical Mechanics", "Quantum Mechanics", "General Relativity"):
        assert title in titles
    first = results.first
    assert "Leonard Susskind" in first.locator(".kb-result__meta").inner_text()
    assert first.locator(".kb-result__meta .kb-badges").inner_text()  # audience badges
    assert first.locator(".kb-result__excerpt mark").first.inner_text().startswith("Susskind")
    shot(page, tmp_path, "search")
    everything = results.count()
    page.locator(".kb-facet__option", has_text=re.compile(r"^\s*Beginner")).locator("input").check()
    page.wait_for_function("n => { const shown = document.querySelectorAll('.kb-result').length;"
                           " return 0 < shown && shown < n }", arg=everything)  # not the empty list between
    beginner = page.locator(".kb-result")
    assert beginner.count() >= 1
    for badges in beginner.locator(".kb-badges").all_inner_texts():
        assert "Beginner" in badges
    chosen = beginner.first.locator(".kb-result__title")
    title, target = chosen.inner_text(), chosen.get_attribute("href")
    chosen.click()
    page.wait_for_url(base_url + target)  # the result's URL is the site's own entry page
    assert target.startswith("/entries/") and page.locator("h1").first.inner_text().startswith(title)


def test_search_is_keyboard_accessible(page, base_url):
    page.goto(base_url + "/types/paper/")
    page.keyboard.press("/")  # focuses the search box
    page.keyboard.type("Susskind")
    answer(page, "Susskind")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.classList.contains('kb-result__title')")
    target = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(target)
    page.keyboard.press("/")
    page.keyboard.type("mechanics")
    answer(page, "mechanics")
    page.keyboard.press("Escape")
    assert page.locator("#kb-search-panel").is_hidden()


def test_a_hostile_title_shows_as_text_in_search_results(page, base_url):
    page.goto(base_url + "/")
    results = search(page, "Zyxwvut")
    assert results.count() == 1
    assert results.first.locator(".kb-result__title").inner_text() == HOSTILE_TITLE
    assert "<script>alert('author')</script>" in results.first.locator(".kb-result__meta").inner_text()
    assert "<script>alert('why')</script>" in results.first.locator(".kb-result__excerpt").inner_text()
    assert page.locator(".kb-search img, .kb-search script, .kb-search b").count() == 0  # nothing became markup


def test_mark_as_done_survives_a_reload_and_counts_on_domain_page_and_my_list(page, base_url, tmp_path):
    page.goto(f"{base_url}/domains/physics/statistical-mechanics/")
    counter = page.locator(".kb-progress")
    total = len(counter.get_attribute("data-kb-progress").split())
    assert counter.inner_text() == f"0 of {total} done"
    page.goto(f"{base_url}/entries/{STATMECH}/")
    done = page.locator(".kb-entry-head .kb-mark--done")
    assert done.inner_text() == "Mark as done" and done.get_attribute("aria-pressed") == "false"
    done.click()
    page.locator(".kb-entry-head .kb-mark--saved").click()
    page.reload()
    assert page.locator(".kb-entry-head .kb-mark--done").get_attribute("aria-pressed") == "true"
    page.goto(f"{base_url}/domains/physics/statistical-mechanics/")
    assert page.locator(".kb-progress").inner_text() == f"1 of {total} done"
    card = page.locator(f'.kb-card[data-entry="{STATMECH}"]')
    assert card.locator(".kb-mark--done").get_attribute("aria-pressed") == "true"
    page.goto(f"{base_url}/my-list/")
    done_list = page.locator(".kb-my-list__done")
    done_list.locator(".kb-card").first.wait_for()
    assert "Statistical Mechanics (Spring 2013)" in done_list.inner_text()
    assert "Statistical Mechanics (Spring 2013)" in page.locator(".kb-my-list__saved").inner_text()
    shot(page, tmp_path, "my-list")


def test_export_then_import_in_a_fresh_browser_restores_the_list(browser, page, base_url, tmp_path):
    page.goto(f"{base_url}/entries/{STATMECH}/")
    page.locator(".kb-entry-head .kb-mark--done").click()
    page.goto(f"{base_url}/my-list/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    exported = tmp_path / "kb-progress.json"
    download.value.save_as(exported)
    document = json.loads(exported.read_text())
    assert document["format"] == "kb-progress" and document["version"] == 1 and STATMECH in document["done"]

    fresh = browser.context()  # another browser profile: nothing in its localStorage
    other = browser.page(fresh)
    other.goto(f"{base_url}/my-list/")
    assert "Done (0)" in other.locator(".kb-my-list__done").inner_text()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "kb-progress", "version": 1, "done": {"Not An Id!": "x"}, "saved": {}}))
    with other.expect_file_chooser() as chooser:
        other.get_by_role("button", name="Import…").click()
    chooser.value.set_files(str(bad))
    other.locator(".kb-my-list__message--error").wait_for()
    assert "Not imported" in other.locator(".kb-my-list__message").inner_text()
    assert "Done (0)" in other.locator(".kb-my-list__done").inner_text()  # nothing changed
    with other.expect_file_chooser() as chooser:
        other.get_by_role("button", name="Import…").click()
    chooser.value.set_files(str(exported))
    other.locator(".kb-my-list__done .kb-card").first.wait_for()
    assert "Statistical Mechanics (Spring 2013)" in other.locator(".kb-my-list__done").inner_text()
    other.goto(f"{base_url}/entries/{STATMECH}/")
    assert other.locator(".kb-entry-head .kb-mark--done").get_attribute("aria-pressed") == "true"
    fresh.close()


def test_without_javascript_the_site_works_and_the_controls_are_absent(browser, base_url):
    context = browser.context(java_script_enabled=False)
    page = browser.page(context)
    page.goto(f"{base_url}/entries/{STATMECH}/")
    assert page.locator("h1").first.inner_text().startswith("Statistical Mechanics (Spring 2013)")
    assert page.get_by_role("link", name="Open the resource").is_visible()
    assert page.locator(".kb-marks").count() == 0 and page.locator("#kb-search-input").is_hidden()
    page.goto(f"{base_url}/domains/physics/statistical-mechanics/")
    assert page.locator(".kb-progress").is_hidden() and page.locator(".kb-card").count() > 1
    context.close()
    assert not browser.outside


def test_entry_page_shows_its_link_feeds_and_bibtex_copy_button(page, base_url, tmp_path):
    page.goto(base_url + "/entries/coconut-latent-reasoning/")
    open_link = page.get_by_role("link", name="Open the resource")
    assert open_link.get_attribute("href") == "https://arxiv.org/abs/2412.06769"
    assert open_link.is_visible()
    assert page.locator(".kb-link--broken").inner_text().startswith("The link looked broken")
    labels = page.evaluate("""() => [...document.querySelectorAll('.kb-details th')].map(th =>
        [th.getBoundingClientRect().left, getComputedStyle(th).textAlign])""")
    assert len(labels) >= 3 and len({left for left, _ in labels}) == 1  # one column of labels
    assert {align for _, align in labels} <= {"left", "start"}
    feeds = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    assert feeds.count() >= 2  # the whole KB's and its domain's
    page.locator("#cite").scroll_into_view_if_needed()
    copy = page.locator('button.md-code__button[data-md-type="copy"], button.md-clipboard').first
    copy.wait_for()
    assert "@misc{coconut-latent-reasoning," in page.locator(".highlight code").inner_text()
    shot(page, tmp_path, "entry")


def test_unknown_address_gets_the_404_page(page, base_url):
    page.goto(base_url + "/404.html")
    assert page.locator("h1").first.inner_text().startswith("Page not found")


@pytest.fixture
def browser_page(page):
    """The name the page fixture had before: tests written against it keep working."""
    return page


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
