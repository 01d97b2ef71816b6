"""What a person's home page leads with: things that happened to them or their town (a card,
a 约谈, a decision on their exemption or appeal). Built from the records themselves, so a
notice can never disagree with what it points at."""

from __future__ import annotations

import datetime as dt

import msgspec


class Notice(msgspec.Struct, frozen=True):
    kind: str  # card | interview | supervision | exemption | appeal
    title: str
    detail: str
    on: dt.date | None
    link: str
    tone: str = ""  # red | yellow | green: the light beside it
