"""How a notice reaches a cadre: a mainland mobile number and a mailbox, checked the same way
whether they come from a roster file (`roster.py`, as polars rules) or the office's form
(`upkeep.edit`)."""

from __future__ import annotations

import re

import msgspec

PHONE_PATTERN = r"^1[3-9][0-9]{9}$"  # what SMS gateways take: 11 digits, no prefix
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$"
EMAIL_MAX = 254
PHONE_NOISE = r"[\s\-]"  # spaces and dashes people type inside a number
PHONE_PREFIX = r"^\+?86"  # the country code, which gateways do not want
PHONE_PROBLEM = "应为 11 位手机号码（如 13800000000）"
EMAIL_PROBLEM = "格式不对（如 zhangsan@example.gov.cn）"


class Contacts(msgspec.Struct, frozen=True, kw_only=True):
    phone: str = ""
    email: str = ""


def normal_phone(text: str) -> str:
    return re.sub(PHONE_PREFIX, "", re.sub(PHONE_NOISE, "", text.strip()))


def normal_email(text: str) -> str:
    return text.strip().lower()


def checked(phone: str, email: str) -> tuple[Contacts, dict[str, str]]:
    """The contacts as stored (blank allowed: the person is reached on paper), and a problem
    per field that is not blank and not valid."""
    contacts = Contacts(phone=normal_phone(phone), email=normal_email(email))
    problems = {}
    if contacts.phone and not re.fullmatch(PHONE_PATTERN, contacts.phone):
        problems["phone"] = f"手机号“{phone.strip()[:32]}”{PHONE_PROBLEM}"
    if contacts.email and (
        len(contacts.email) > EMAIL_MAX or not re.fullmatch(EMAIL_PATTERN, contacts.email)
    ):
        problems["email"] = f"电子邮箱“{email.strip()[:64]}”{EMAIL_PROBLEM}"
    return contacts, problems
