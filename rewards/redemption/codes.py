"""Secrets a resident shows or scans: the pay code (付款码) and a checkout's deep link.

A pay code is twelve random digits: what the QR holds and what the resident reads out
when a scanner fails, the same thing either way (a USB scanner types it and Enter). It
says nothing about the resident or an amount; the server keeps only its SHA-256 and who
it belongs to. Twelve digits are 10¹² codes against the handful alive at a time, and
wrong codes are throttled per operator and per address (rewards.redemption.attempts).
A checkout's link is longer (it travels in a deep link, not by voice): 24 URL-safe
characters after "co_", within Telegram's 64 for a start payload.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.uow import UnitOfWork
from rewards.people.residents import load_verified_resident
from rewards.redemption.errors import CodeExpired, CodeUnknown, CodeUsed
from rewards.redemption.models import PayCode

PAY_CODE_LIFETIME = timedelta(minutes=2)
PAY_CODE_DIGITS = 12
LINK_PREFIX = "co_"  # a deep link's payload: /start co_<secret>


@dataclass(frozen=True)
class PayCodeView:
    digits: str
    expires_at: datetime

    @property
    def grouped(self) -> str:
        """ "1234 5678 9012": easier to read out and to type."""
        return " ".join(self.digits[n : n + 4] for n in range(0, len(self.digits), 4))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def pay_code_digits(typed: str) -> str | None:
    """The code as typed or scanned (spaces, dashes, full-width digits allowed), or None
    when it cannot be one."""
    text = unicodedata.normalize("NFKC", typed)
    digits = "".join(ch for ch in text if ch not in " -\t")
    if len(digits) == PAY_CODE_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def new_link_secret() -> str:
    return secrets.token_urlsafe(18)  # 24 characters of A-Za-z0-9_-


def link_secret(payload: str) -> str | None:
    """The secret in a deep link's payload, or None when it is not a checkout's."""
    if not payload.startswith(LINK_PREFIX):
        return None
    secret = payload[len(LINK_PREFIX) :]
    ok = len(secret) == 24 and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in secret)
    return secret if ok else None


async def issue_pay_code(
    uow: UnitOfWork, *, person_id: int, lifetime: timedelta = PAY_CODE_LIFETIME
) -> PayCodeView:
    """A new code for the resident; the codes shown before it stop working. Moves no
    points. Raises not_a_resident, resident_left, not_verified."""
    for _ in range(3):  # a clash of twelve random digits with an old code: draw again
        digits = "".join(secrets.choice("0123456789") for _ in range(PAY_CODE_DIGITS))
        try:
            async with uow.write() as session:
                await load_verified_resident(session, person_id, lock=True)
                now = uow.now()
                await session.execute(
                    update(PayCode)
                    .where(PayCode.person_id == person_id, PayCode.used_at.is_(None))
                    .values(used_at=now)
                )
                await session.execute(
                    insert(PayCode).values(
                        digest=digest(digits),
                        person_id=person_id,
                        created_at=now,
                        expires_at=now + lifetime,
                    )
                )
            return PayCodeView(digits, now + lifetime)
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a fresh pay code")


_USE = (
    update(PayCode)
    .where(
        PayCode.digest == bindparam("code"),
        PayCode.used_at.is_(None),
        PayCode.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("now"))
    .returning(PayCode.id, PayCode.person_id)
    .execution_options(synchronize_session=False)
)


async def use_pay_code(session: AsyncSession, digits: str, now: datetime) -> tuple[int, int]:
    """Mark the code used and return its id and resident. Of two kiosks scanning it at
    once, the second waits on the row and then finds it used. Raises pay_code_unknown,
    pay_code_used, pay_code_expired."""
    code = digest(digits)
    taken = (await session.execute(_USE, {"code": code, "now": now})).one_or_none()
    if taken is not None:
        return taken.id, taken.person_id
    # Only a refusal reads the row again, to say why.
    found = (
        await session.execute(select(PayCode.used_at).where(PayCode.digest == code))
    ).one_or_none()
    if found is None:
        raise CodeUnknown()
    if found.used_at is not None:
        raise CodeUsed()
    raise CodeExpired()
