"""File names in Content-Disposition (issue 29, #7): a rubric code in Chinese broke the TOML
export (500: the header is Latin-1), a `"` in it added a parameter of the attacker's choosing,
and CR/LF dropped the connection. Names are now sent per RFC 6266 / 5987: an ASCII fallback
with nothing that can end the parameter, and the real name percent-encoded in `filename*`."""

from __future__ import annotations

import re
from email.message import Message
from urllib.parse import unquote

import pytest
from litestar.testing import TestClient

from app.downloads import download_headers
from evaluation.rubrics import versions as rubric_versions_store
from evaluation.rubrics.loader import load_default_rubric
from tests.factories import People, csrf_token, login

CODES = ["乐川县干部量表", 'x"; filename="evil.exe', "a\\r\\nSet-Cookie: x=1", "semi;colon"]


@pytest.mark.parametrize("code", CODES)
async def test_a_rubric_exports_whatever_its_code(
    client: TestClient, people: People, code: str
) -> None:
    version_id = await rubric_versions_store.register_default_rubric()
    login(client, "office")
    exported = client.get(f"/office/rubrics/{version_id}/rubric.toml").text
    default = load_default_rubric()
    changed = exported.replace(
        f'code = "{default.code}"', f'code = "{code.replace(chr(34), chr(92) + chr(34))}"'
    )
    changed = changed.replace(f'version = "{default.version}"', 'version = "2031.1"')
    imported = client.post(
        "/office/rubrics/import",
        files={"file": ("rubric.toml", changed.encode(), "application/toml")},
        data={"_csrf_token": csrf_token(client, "/office/rubrics")},
        follow_redirects=False,
    )
    if imported.status_code != 302:  # refused in words is fine too: never a 5xx
        assert imported.status_code == 400, imported.status_code
        return
    draft = imported.headers["location"]
    published = client.post(
        f"{draft}/publish",
        data={"_csrf_token": csrf_token(client, draft)},
        follow_redirects=False,
    )
    assert published.status_code in (302, 303, 400, 409), published.status_code
    listing = client.get("/office/rubrics").text
    for version in [v for v in listing.split("/office/rubrics/") if v[:1].isdigit()]:
        number = version.split("/")[0]
        answer = client.get(f"/office/rubrics/{number}/rubric.toml")
        assert answer.status_code == 200
        header = answer.headers["content-disposition"]
        assert len(parameters(header)) == 3  # attachment, filename, filename* — nothing added
        assert decoded_name(header).endswith("-2031.1.toml") or decoded_name(header).endswith(
            ".toml"
        )


def parameters(header: str) -> list[tuple[str, str]]:
    """The header's parameters as a mail/HTTP client parses them."""
    message = Message()
    message["content-disposition"] = header
    return [(k, str(v)) for k, v in message.get_params(header="content-disposition") or []]


def decoded_name(header: str) -> str:
    """The name a browser saves the file as: RFC 6266 prefers `filename*` (RFC 5987)."""
    found = re.search(r"filename\*=UTF-8''([^;\s]*)", header)
    assert found, header
    return unquote(found.group(1))


@pytest.mark.parametrize("name", ["报表.xlsx", 'a"b;c.toml', "x\r\ny.pdf", "plain.csv", ""])
def test_attachment_headers_are_well_formed(name: str) -> None:
    header = download_headers(name)["content-disposition"]
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and not set(fallback) & set('"\\;\r\n')
    encoded = header.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == (name.replace("\r", "").replace("\n", "") or "download")
    header.encode("latin-1")  # a header Latin-1 can carry
    assert len(parameters(header)) == 3
    assert decoded_name(header) == (name.replace("\r", "").replace("\n", "") or "download")
