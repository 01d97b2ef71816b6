"""Accounts for a whole roster at once, and bulk password resets, as code slips.

Every active cadre without an account gets one (user name = their roster number 干部编号;
`leader` if they lead someone on the roster, else `cadre`), optionally one 乡镇填报员 per
town; each gets a one-time password that is shown once, on the printed slips, and must be
changed at first sign-in. All accounts of one action are written in one transaction.
(hashed as one-time passwords: `passwords.hash_one_time_passwords`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from app.accounts import throttle
from app.accounts.passwords import hash_one_time_passwords
from app.accounts.roles import ROLE_LABELS, Role
from app.accounts.services import generate_temporary_password, one_time_expiry
from app.accounts.tables import Session, User
from evaluation import clock
from evaluation.errors import Invalid
from evaluation.tables import Cadre, Leadership, Town

REPORTER_SUFFIX = "-tb"  # a town's reporter account: the town number + this


class TownAccounts(msgspec.Struct, frozen=True, kw_only=True):
    town_id: int
    town_name: str
    cadres: int
    with_account: int
    reporter: bool

    @property
    def missing(self) -> int:
        return self.cadres - self.with_account


class Slip(msgspec.Struct, frozen=True, kw_only=True):
    town_name: str
    name: str
    position: str
    role: str
    username: str
    password: str
    expires_on: dt.date | None = None  # the last day the one-time password works (Beijing)


async def overview() -> list[TownAccounts]:
    """Per town: active cadres, how many have an account, whether it has a reporter."""
    towns = await Town.select(Town.id, Town.name).order_by(Town.external_id)
    cadres = await Cadre.select(Cadre.id, Cadre.town).where(Cadre.active.eq(True))
    users = await User.select(User.cadre, User.role, User.cadre.town.as_alias("town")).where(
        User.cadre.is_not_null()
    )
    with_account = {u["cadre"] for u in users if u["role"] != Role.reporter}
    reporters = {u["town"] for u in users if u["role"] == Role.reporter}
    counts: dict[int, list[int]] = {}
    for cadre in cadres:
        pair = counts.setdefault(cadre["town"], [0, 0])
        pair[0] += 1
        pair[1] += cadre["id"] in with_account
    return [
        TownAccounts(
            town_id=t["id"],
            town_name=t["name"],
            cadres=counts.get(t["id"], [0, 0])[0],
            with_account=counts.get(t["id"], [0, 0])[1],
            reporter=t["id"] in reporters,
        )
        for t in towns
    ]


async def create_accounts(town_ids: Sequence[int], reporters: bool) -> list[Slip]:
    """Accounts for every active cadre of these towns who has none (and a reporter per town
    without one, when asked); the slips, town by town, in roster order."""
    if not town_ids:
        raise Invalid("请至少选择一个乡镇", {"towns": "请至少选择一个乡镇"})
    cadres = (
        await Cadre.select(
            Cadre.id,
            Cadre.external_id,
            Cadre.name,
            Cadre.position,
            Cadre.town,
            Cadre.town.name.as_alias("town_name"),
            Cadre.town.external_id.as_alias("town_code"),
        )
        .where(Cadre.town.is_in(list(town_ids)) & Cadre.active.eq(True))
        .order_by(Cadre.town.external_id)
        .order_by(Cadre.external_id)
    )
    users = await User.select(User.cadre, User.role, User.username)
    # a reporter account is the town's, not the person's: its cadre still gets their own
    has_account = {
        u["cadre"] for u in users if u["cadre"] is not None and u["role"] != Role.reporter
    }
    taken = {u["username"] for u in users}
    leaders = {r["leader"] for r in await Leadership.select(Leadership.leader)}
    town_of = {c["id"]: c["town"] for c in cadres}
    reporter_towns = {town_of.get(u["cadre"]) for u in users if u["role"] == Role.reporter}
    planned: list[tuple[dict[str, object], str]] = []  # (cadre row, role)
    for cadre in cadres:
        if cadre["id"] not in has_account and cadre["external_id"] not in taken:
            role = Role.leader if cadre["id"] in leaders else Role.cadre
            planned.append(({**cadre, "username": cadre["external_id"]}, role))
    if reporters:
        first_of_town: dict[int, dict[str, object]] = {}
        for cadre in cadres:
            first_of_town.setdefault(cadre["town"], cadre)
        for town, cadre in first_of_town.items():
            username = f"{cadre['town_code']}{REPORTER_SUFFIX}"
            if town not in reporter_towns and username not in taken:
                planned.append(({**cadre, "username": username}, Role.reporter))
    passwords = [generate_temporary_password() for _ in planned]
    hashes = await hash_one_time_passwords(passwords)
    expires = one_time_expiry()
    rows = [
        User(
            username=str(cadre["username"]),
            display_name=(
                f"{cadre['town_name']}填报员" if role == Role.reporter else str(cadre["name"])
            ),
            password_hash=digest,
            role=role,
            cadre=cadre["id"],
            must_change_password=True,
            password_expires_at=expires,
        )
        for (cadre, role), digest in zip(planned, hashes, strict=True)
    ]
    if rows:
        async with User._meta.db.transaction():
            await User.insert(*rows)
    return sorted(
        (
            Slip(
                town_name=str(cadre["town_name"]),
                name=f"{cadre['town_name']}填报员" if role == Role.reporter else str(cadre["name"]),
                position="" if role == Role.reporter else str(cadre["position"]),
                role=ROLE_LABELS[role],
                username=str(cadre["username"]),
                password=password,
            )
            for (cadre, role), password in zip(planned, passwords, strict=True)
        ),
        key=lambda s: (s.town_name, s.role != ROLE_LABELS[Role.reporter], s.username),
    )


async def reset_town(town_id: int) -> list[Slip]:
    """New one-time passwords for every account linked to a cadre of this town; their
    sessions end and each must choose a new password at the next sign-in."""
    rows = (
        await User.select(
            User.id,
            User.username,
            User.role,
            User.display_name,
            User.cadre.position.as_alias("position"),
            User.cadre._.town._.name.as_alias("town_name"),
        )
        .where(User.cadre.town == town_id)
        .order_by(User.username)
    )
    if not rows:
        raise Invalid("这个乡镇还没有账号", {"town": "请先为该乡镇创建账号"})
    passwords = [generate_temporary_password() for _ in rows]
    hashes = await hash_one_time_passwords(passwords)
    expires = one_time_expiry()
    ids = [r["id"] for r in rows]
    async with User._meta.db.transaction():
        for row, digest in zip(rows, hashes, strict=True):
            await User.update(
                {
                    User.password_hash: digest,
                    User.must_change_password: True,
                    User.password_expires_at: expires,
                }
            ).where(User.id == row["id"])
        await Session.delete().where(Session.user.is_in(ids))
    for row in rows:
        await throttle.unlock(row["username"])
    return [
        Slip(
            town_name=r["town_name"],
            name=r["display_name"],
            position="" if r["role"] == Role.reporter else r["position"],
            role=ROLE_LABELS[r["role"]],
            username=r["username"],
            password=p,
            expires_on=clock.local_day(expires),
        )
        for r, p in zip(rows, passwords, strict=True)
    ]
