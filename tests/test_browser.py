"""The home page in a real headless browser (Debian's Chromium): what a person sees, and an axe-core audit."""
from __future__ import annotations

import shutil

import feedparser
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180),
              pytest.mark.skipif(not CHROMIUM, reason="Chromium is not installed (apt-get install chromium; "
                                                      ".ci/run installs it)")]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_home_page_as_a_person_sees_it(browser, served, demo, width, height):
    page = browser.new_page(viewport={"width": width, "height": height}, java_script_enabled=False)
    page.goto(served)
    assert page.title() == "museumfeeds: museum-sector news feeds"
    assert page.get_by_role("heading", level=1).inner_text() == "museumfeeds"
    for name in ("Subscribe", "Latest: Crisis response", "Latest: Accessibility", "Sources"):
        assert page.get_by_role("heading", name=name).is_visible()
    # Nothing is wider than the screen (reads well on a phone).
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Every source is listed with its last crawl.
    rows = page.locator("table tbody tr")
    assert rows.count() == 10 and "OK" in rows.first.inner_text()
    # Feed autodiscovery for readers and browser extensions.
    assert page.locator('link[rel="alternate"][type="application/atom+xml"]').count() >= 5
    # The latest crisis item on the page is the first entry of the crisis feed.
    first_item = page.locator("#latest-crisis-response + ul li a").first.inner_text()
    feed = feedparser.parse((demo["out"] / "crisis-response.atom").read_bytes())
    assert first_item == feed.entries[0].title
    # Follow a subscribe link: the browser shows the feed itself.
    page.get_by_role("link", name="Crisis response: Atom feed").click()
    assert page.url == served + "crisis-response.atom"
    text = page.inner_text("body")
    assert "museumfeeds: Crisis response" in text and feed.entries[0].title in text
    page.close()


def test_keyboard_user_can_skip_to_content(browser, served):
    page = browser.new_page()
    page.goto(served)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert page.locator(".skip").is_visible()
    page.close()


def test_accessibility_audit_has_no_serious_violation(browser, served):
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                     reason="axe-playwright-python is not installed (pip install -e '.[test]')")
    page = browser.new_page()
    page.goto(served)
    results = axe_module.Axe().run(page)
    violations = results.response["violations"]
    serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations
               if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert results.response["passes"], "axe ran no rule"
    page.close()
