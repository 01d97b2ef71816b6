"""Another web site cannot make its visitors write here (issue 29, #2): a page served from a
second local origin submits a resident ballot as a `text/plain` form (a JSON body smuggled in
the field name, as a cross-site form can send it without a preflight), the same body by
`fetch(mode: "no-cors")`, and a sign-in form — in headless Chromium. Nothing is stored."""

from __future__ import annotations

import contextlib
import http.server
import json
import sqlite3
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.database import engine_from_url, use_engine
from evaluation.responses import campaigns
from tests.browser.conftest import copy_database, serving
from tests.conftest import run_blocking

pytestmark = pytest.mark.browser


async def a_resident_token() -> str:
    from evaluation.tables import Cycle, Town

    cycle = await Cycle.select(Cycle.id).where(Cycle.state == "open").first()
    town = await Town.select(Town.id).first()
    assert cycle and town
    return (await campaigns.town_resident_cards(int(cycle["id"]), int(town["id"])))[0].token


@contextlib.contextmanager
def attacker_site(html: str) -> Iterator[str]:
    """A page on another origin (another port of this machine)."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()


def responses(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM response").fetchone()[0])


def test_a_foreign_page_cannot_cast_a_ballot_or_sign_in(  # type: ignore[no-untyped-def]
    browser, demo_template: Path, tmp_path: Path
) -> None:
    db = copy_database(demo_template, tmp_path)
    use_engine(engine_from_url(f"sqlite:///{db}"))
    token = run_blocking(a_resident_token())
    with serving(db) as base:
        form = json.load(urllib.request.urlopen(f"{base}/api/r/{token}/form", timeout=10))
        answers = {str(item["id"]): 5 for item in form["items"]}
        ballot = json.dumps({"answers": answers, "client_key": "cross-site-1"})
        # text/plain form encoding is name=value: the "=" lands inside client_key's string
        name, value = ballot[: ballot.index("cross-site-1") + 6], ballot[ballot.index("site-1") :]
        fetched = json.dumps({"answers": answers, "client_key": "cross-site-2"})
        page = f"""<!doctype html><html><body>
<form id="ballot" method="post" action="{base}/api/r/{token}/responses" enctype="text/plain"
      target="sink"><input type="hidden" name='{name}' value='{value}'></form>
<form id="login" method="post" action="{base}/login" target="sink2">
  <input name="username" value="office"><input name="password" value="lechuan-2026"></form>
<iframe name="sink"></iframe><iframe name="sink2"></iframe>
<script>
  fetch("{base}/api/r/{token}/responses", {{method: "POST", mode: "no-cors",
    headers: {{"Content-Type": "text/plain"}}, body: {json.dumps(fetched)}}})
    .finally(() => {{ document.getElementById("ballot").submit();
                      document.getElementById("login").submit(); document.title = "sent"; }});
</script></body></html>"""
        before = responses(db)
        with attacker_site(page) as foreign:
            tab = browser.new_page()
            seen: list[tuple[str, int]] = []
            tab.on(
                "response",
                lambda r: seen.append((r.url, r.status)) if r.url.startswith(base) else None,
            )
            tab.goto(foreign)
            tab.wait_for_function("document.title === 'sent'")
            tab.wait_for_timeout(1500)
            tab.close()
        assert responses(db) == before  # no ballot stored, by either way of sending it
        posted = [status for url, status in seen if "/responses" in url or url.endswith("/login")]
        assert posted and all(status in (403, 415) for status in posted), seen
