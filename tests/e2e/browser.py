"""Headless Chromium (Debian's package) driven by Playwright; no browser is downloaded.

Also the fixtures ``browser`` (one Chromium per test module) and ``pages`` (pages in fresh
contexts, with a screenshot of each in ``results/screenshots/`` when the test fails): import
``browser_fixture`` and ``pages_fixture`` into a test module to use them. ``axe_violations`` runs
axe-core (installed by scripts/install-test-deps.sh) in a page."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

from bot.settings import PROJECT_ROOT

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TIMEOUT = 30_000
SCREENSHOTS = PROJECT_ROOT / "results" / "screenshots"
AXE_CORE_DIR = Path(os.environ.get("AXE_CORE_DIR",
                                   Path.home() / ".cache" / "shop-assistant-axe"))
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Chromium is not installed (run scripts/install-test-deps.sh)")


def launch() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module", name="browser")
def browser_fixture():
    """One Chromium for the tests of a module."""
    yield from launch()


@pytest.fixture(name="pages")
def pages_fixture(browser, request) -> Iterator[Callable[..., Any]]:
    """``pages(**context_options)`` opens a page in a new browser context (its own storage).

    When the test fails, a screenshot of every page it opened is written to
    ``results/screenshots/<test>-<n>.png``.
    """
    opened: List[Any] = []
    failed_before = request.session.testsfailed

    def new_page(**context_options: Any) -> Any:
        page = browser.new_context(**context_options).new_page()
        page.set_default_timeout(TIMEOUT)
        opened.append(page)
        return page

    yield new_page
    # The call phase's report is logged before fixtures are torn down, so a failure of this
    # test has been counted by now (pytest has no public "did my test fail" for fixtures).
    if request.session.testsfailed > failed_before:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for number, page in enumerate(opened, 1):
            try:
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{number}.png"), full_page=True)
            except Exception as error:  # a closed or crashed page has nothing to show
                print(f"no screenshot of page {number}: {error}")
    for page in opened:
        page.context.close()


def axe_source() -> str:
    path = AXE_CORE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        pytest.fail(f"axe-core is not installed in {AXE_CORE_DIR} "
                    "(run scripts/install-test-deps.sh)")
    return path.read_text(encoding="utf-8")


def axe_violations(page: Any, tags: List[str] = WCAG_AA) -> List[Dict[str, Any]]:
    """The axe-core violations of the page as it is now, for the given rule tags.

    The page's context needs ``bypass_csp=True``: axe is injected as an inline script.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", tags)
    return result["violations"]


def describe(violations: List[Dict[str, Any]]) -> str:
    """The violations, one line per element, for an assertion message."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(f"{violation['id']} ({violation['impact']}): {node['target']}"
                         f" - {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)
