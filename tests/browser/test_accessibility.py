"""axe-core over every page the crawler reaches, for every role: no serious or critical
violation of WCAG 2.1 A/AA.

The crawl of ``tests/test_crawl.py`` (the Flask client over the demo program) lists the
pages each role reaches; Chromium then opens each one signed in as that role and runs
axe-core (npm, pinned by ``tests/axe/package-lock.json``, installed by ``make test``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conferences.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from conferences.extensions import db
from conferences.program.services import get_settings
from tests.test_crawl import crawl

pytestmark = pytest.mark.browser

AXE_DIR = Path(__file__).resolve().parents[1] / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
    detail: (v.nodes[0].any[0] || v.nodes[0].all[0] || v.nodes[0].none[0] || {}).message || "",
  }));
}"""


@pytest.fixture(scope="session")
def axe_installed() -> Path:
    """``npm ci`` in tests/axe when node_modules is missing or older than the lock (as
    ``make test`` does); the locked axe-core, never a download at test time otherwise."""
    lock = AXE_DIR / "package-lock.json"
    installed = AXE_DIR / "node_modules" / ".package-lock.json"
    if not (installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime):
        if shutil.which("npm") is None:
            raise RuntimeError("npm is needed to install axe-core (make test installs it)")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=AXE_DIR,
            check=True,
            timeout=300,
        )
    return AXE


def axe_violations(page, url: str) -> list[dict]:
    """The blocking axe violations of one page, as opened in the browser."""
    page.goto(url)
    page.wait_for_load_state()
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE, WCAG_21_AA) if v["impact"] in BLOCKING]


@pytest.fixture
def demo_program(app_ctx, clock):
    load_demo()
    get_settings().public_program = True  # so the anonymous crawl reaches /program too
    db.session.commit()
    return app_ctx


@pytest.mark.parametrize("role", [None, *DEMO_ACCOUNTS])
def test_every_crawled_page_passes_axe(demo_program, axe_installed, browser, live_server, role):
    app = demo_program
    client = app.test_client()
    if role is not None:
        client.post("/login", data={"email": DEMO_ACCOUNTS[role], "password": DEMO_PASSWORD})
    pages: list[str] = []
    crawl(client, {"localhost", urlsplit(app.config["BASE_URL"]).netloc}, pages)
    assert len(pages) >= (2 if role is None else 15), pages

    # The page's CSP forbids inline scripts; the injected engine is the test's, not the page's.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        if role is not None:
            page.goto("/login")
            page.get_by_label("Email").fill(DEMO_ACCOUNTS[role])
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
        found = {url: axe_violations(page, url) for url in pages}
    finally:
        context.close()
    failing = {url: v for url, v in found.items() if v}
    summary = "\n".join(
        f"{url}: "
        + "; ".join(f"{v['id']} ({v['impact']}) {v['targets']} {v['detail']}" for v in found)
        for url, found in failing.items()
    )
    print(f"axe: {len(pages)} pages for {role or 'anonymous'}, {len(failing)} failing")
    assert not failing, f"{len(failing)} of {len(pages)} pages fail axe:\n{summary}"
