"""The texts the product sends, rendered from `messages.toml` (one table per kind): a person's
text, a mail subject, and the one text a town's group chat gets for several people."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import msgspec

MESSAGES_FILE = Path(__file__).with_name("messages.toml")


class MessageTemplate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    subject: str
    body: str
    group: str
    group_name: str


class Rendered(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    subject: str
    body: str
    fields: dict[str, str]


@cache
def templates() -> dict[str, MessageTemplate]:
    with MESSAGES_FILE.open("rb") as handle:
        return msgspec.convert(tomllib.load(handle), dict[str, MessageTemplate])


def render(kind: str, **fields: object) -> Rendered:
    """A person's message of `kind`; a field the template names but the caller did not give
    is a programming error (KeyError), never a blank in a message someone receives."""
    template = templates()[kind]
    values = {k: str(v) for k, v in fields.items()}
    return Rendered(
        kind=kind,
        subject=template.subject.format_map(values),
        body=template.body.format_map(values),
        fields=values,
    )


def render_group(kind: str, town: str, members: list[dict[str, str]]) -> str:
    """One text naming every member (each a message's fields) for a town's group chat."""
    template = templates()[kind]
    names = "、".join(template.group_name.format_map(m) for m in members)
    return template.group.format_map(
        {**members[0], "town": town, "count": len(members), "names": names}
    )
