"""Password hashing with argon2id (RFC 9106 defaults of argon2-cffi) and a password policy.

Hashing is deliberately slow (tens of milliseconds of CPU): the async forms run it in a small
thread pool, so a burst of sign-ins never stalls the event loop and the rest of the site
(argon2's C code releases the GIL); the pool's size bounds how many run at once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# Verified against when the username is unknown, so both paths cost the same time.
DUMMY_HASH = _hasher.hash("cadre360-timing-equaliser")


def password_problems(password: str, username: str = "") -> list[str]:
    """Chinese messages for each rule the password breaks (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少需要 {MIN_LENGTH} 个字符")
    if password.isdigit() or password.isalpha():
        problems.append("密码需同时包含字母和数字或符号")
    if username and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    return problems


_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(
        _pool, verify_password, password_hash, password
    )


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password, password)


# One-time passwords (`services.generate_temporary_password`: random, ≈50 bits) die at the
# first sign-in, so the light parameters are enough to make an offline guess infeasible,
# and an office can issue 1,200 of them in seconds (≈10 ms each here, not ≈290 ms). The
# password chosen at first sign-in is hashed with the full parameters above.
_one_time_hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


ONE_TIME_LIGHT = "$m=8192,t=1,p=1$"
# Verified against on every path that did not verify a light hash, so every sign-in — unknown
# name, normal account, account still on its slip password — costs one full and one light
# verification (issue 29, #5: 560 / 394 / 26 ms before).
DUMMY_ONE_TIME_HASH = _one_time_hasher.hash("cadre360-timing-equaliser")


def is_one_time_hash(password_hash: str) -> bool:
    return ONE_TIME_LIGHT in password_hash


def verify_equal_time(password_hash: str | None, password: str) -> bool:
    """Check a password (None: no such account) at the same cost whatever the account's
    state: one full-cost verification and one light one on every path."""
    stored = password_hash or DUMMY_HASH
    light = is_one_time_hash(stored)
    ok = verify_password(stored, password) if light else False
    full_ok = verify_password(DUMMY_HASH if light else stored, password)
    if not light:
        verify_password(DUMMY_ONE_TIME_HASH, password)
    return password_hash is not None and (ok if light else full_ok)


async def verify_equal_time_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(
        _pool, verify_equal_time, password_hash, password
    )


async def hash_one_time_passwords(passwords: Sequence[str]) -> list[str]:
    loop = asyncio.get_running_loop()
    jobs = (loop.run_in_executor(_pool, _one_time_hasher.hash, p) for p in passwords)
    return list(await asyncio.gather(*jobs))
