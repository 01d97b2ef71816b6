"""X-Forwarded-For is believed only from the proxies named in TRUSTED_PROXIES: a resident
rotating the header from their own address stays one address to the rate limit and to the
burst flags; behind a named proxy, the header is the client."""

from __future__ import annotations

from pathlib import Path

import httpx

from evaluation.responses import campaigns
from tests.factories import open_cycle
from tests.security.live import Site, live_site

LIMIT = 3


async def cycle_links() -> list[str]:
    cycle_id = await open_cycle()
    return [card.token for card in await campaigns.town_resident_cards(cycle_id, 1)]


def ballots_from_rotating_addresses(site: Site, tokens: list[str]) -> list[int]:
    """Each ballot from a fresh phone (no device cookie) and a new forged address."""
    statuses = []
    for n, token in enumerate(tokens[: LIMIT + 2]):
        with httpx.Client(
            base_url=site.url, headers={"X-Forwarded-For": f"198.51.100.{n + 1}"}
        ) as phone:
            form = phone.get(f"/api/r/{token}/form").json()
            answers = {str(item["id"]): 4 for item in form["items"]}
            sent = phone.post(
                f"/api/r/{token}/responses",
                json={"answers": answers, "client_key": f"rotating-{n:04d}"},
            )
            statuses.append(sent.status_code)
    return statuses


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(tmp_path: Path) -> None:
    with live_site(tmp_path, RESIDENT_RATE_LIMIT=str(LIMIT)) as site:
        tokens = site.run(cycle_links)
        statuses = ballots_from_rotating_addresses(site, tokens)
    assert statuses == [201] * LIMIT + [429] * 2


def test_x_forwarded_for_from_a_trusted_proxy_is_the_client(tmp_path: Path) -> None:
    with live_site(tmp_path, RESIDENT_RATE_LIMIT=str(LIMIT), TRUSTED_PROXIES="127.0.0.1") as site:
        tokens = site.run(cycle_links)
        statuses = ballots_from_rotating_addresses(site, tokens)
    assert statuses == [201] * (LIMIT + 2)
