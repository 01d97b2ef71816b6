"""Accounts against a real database: hashing, sessions, password change and reset."""

from __future__ import annotations

import pytest

from app.accounts import services
from app.accounts.tables import Session, User
from evaluation.errors import Conflict, Invalid
from evaluation.organisation.importing import import_frame
from tests.factories import cadre_id, roster_frame


async def test_password_is_stored_as_argon2id_and_verified(db: str) -> None:
    user_id = await services.create_user(username="wang", password="good-pass-123", role="admin")
    stored = await User.select(User.password_hash).where(User.id == user_id).first()
    assert stored is not None and stored["password_hash"].startswith("$argon2id$")
    assert "good-pass-123" not in stored["password_hash"]
    account = await services.authenticate("wang", "good-pass-123", "10.0.0.1")
    assert account is not None and account.id == user_id
    assert await services.authenticate("wang", "wrong-pass-123", "10.0.0.1") is None
    assert await services.authenticate("nobody", "good-pass-123", "10.0.0.1") is None


async def test_duplicate_usernames_and_weak_passwords_are_refused(db: str) -> None:
    await services.create_user(username="li", password="good-pass-123", role="admin")
    with pytest.raises(Conflict):
        await services.create_user(username="li", password="good-pass-456", role="admin")
    with pytest.raises(Invalid) as caught:
        await services.create_user(username="zhao", password="short", role="admin")
    assert "password" in caught.value.problems
    with pytest.raises(Invalid) as caught:
        await services.create_user(username="zhou", password="good-pass-123", role="cadre")
    assert caught.value.problems == {
        "cadre": "领导干部、干部和乡镇填报员账号必须关联一名花名册中的干部（填报员按其所在乡镇填报）"
    }
    assert await User.count() == 1


async def test_sessions_resolve_until_ended_and_store_only_a_hash(db: str) -> None:
    await import_frame(roster_frame(1, 15), county_name="测试县")
    user_id = await services.create_user(
        username="sun", password="good-pass-123", role="cadre", cadre_id=await cadre_id("T001-013")
    )
    token = await services.start_session(user_id)
    assert not await Session.exists().where(Session.token_hash == token)
    user = await services.user_for_session(token)
    assert user is not None and user.id == user_id and user.role == "cadre"
    await services.end_session(token)
    assert await services.user_for_session(token) is None
    assert await services.user_for_session("not-a-token") is None


async def test_reset_forces_a_change_and_ends_sessions(db: str) -> None:
    user_id = await services.create_user(
        username="qian", password="good-pass-123", role="admin", must_change_password=False
    )
    token = await services.start_session(user_id)
    temporary = await services.reset_password(user_id)
    assert await services.user_for_session(token) is None
    user = await services.authenticate("qian", temporary, "10.0.0.1")
    assert user is not None and user.must_change_password is True
    with pytest.raises(Invalid) as caught:
        await services.change_password(user_id, temporary, "mismatch-123", "different-123")
    assert set(caught.value.problems) == {"confirm"}
    await services.change_password(user_id, temporary, "brand-new-456", "brand-new-456")
    user = await services.authenticate("qian", "brand-new-456", "10.0.0.1")
    assert user is not None and user.must_change_password is False
