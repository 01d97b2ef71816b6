"""A reporter saves the quarter half done and comes back (issue 32): the figures and notes
typed so far are kept as they were typed, unchecked and counting nowhere; sending the quarter
checks and stores them as always and drops the draft."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_blocking
from tests.web.demo_site import demo_copy, form_post, serve, sign_in
from tests.web.html import select, text_of
from tests.web.test_scorecard_pages import facts, value_count

PAGE = "/town/report/4"


@pytest.fixture(scope="module")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return demo_copy(demo_template, tmp_path_factory.mktemp("report-drafts"), facts)


def inputs(html: str) -> dict[str, str]:
    return {
        i.attrs["name"]: i.attrs.get("value", "")
        for i in select(html, "input")
        if i.attrs.get("name", "").startswith(("v_", "n_"))
    }


def test_a_draft_keeps_what_was_typed_and_counts_nowhere(site: tuple) -> None:
    url, known = site
    with serve(url) as client:
        sign_in(client, "reporter")
        blank = inputs(client.get(PAGE).text)
        codes = [name.removeprefix("v_") for name in blank if name.startswith("v_")]
        assert len(codes) >= 3
        before = run_blocking(value_count(url))
        typed = {f"v_{codes[0]}": "12.5", f"v_{codes[1]}": "12abc", f"n_{codes[0]}": "含上月补录"}
        saved = form_post(client, PAGE, PAGE, action="draft", **typed)
        assert saved.status_code == 302 and PAGE in saved.headers["location"]
        again = client.get(saved.headers["location"]).text
        assert "草稿已保存（已填 2 项）" in text_of(again, "div", id="notice")
        assert "尚未提交" in text_of(again, "p", id="draft-note")
        shown = inputs(again)
        assert {k: shown[k] for k in typed} == typed  # as typed, even the bad figure
        assert all(shown[f"v_{c}"] == "" for c in codes[2:])
        assert run_blocking(value_count(url)) == before  # counts nowhere
        sent = form_post(
            client,
            PAGE,
            PAGE,
            action="submit",
            **{f"v_{code}": value for code, value in known["plausible"].items()},
        )
        assert sent.status_code in (302, 303)
        assert run_blocking(value_count(url)) == before + len(codes)
        after = client.get(PAGE).text
        assert not select(after, "p", id="draft-note")  # the draft is gone with the quarter
        assert inputs(after)[f"v_{codes[1]}"] not in ("", "12abc")  # the stored figure now
