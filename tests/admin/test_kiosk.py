"""The kiosk page over HTTP: a pay code scanned, goods confirmed, the receipt shown; a
refused code and a refused quantity told on the page the operator was on; an operator of
another outlet turned away."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import func, select

from core.clock import FrozenClock
from core.db import Database
from core.i18n import Catalogues
from core.uow import UnitOfWork
from rewards.redemption.codes import issue_pay_code
from rewards.redemption.models import Checkout, RedemptionAttempt
from rewards.staff.models import Role
from tests.admin.conftest import csrf_of, log_in
from tests.admin.kiosk_support import balance, stock
from tests.redemption.shop import SWEEPS, Shop, build_shop
from tests.rewards.community import PASSWORD, START, make_staff


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def uow(database: Database, clock: FrozenClock) -> UnitOfWork:
    return UnitOfWork(database, clock)


@pytest.fixture
async def shop(uow: UnitOfWork) -> Shop:
    return await build_shop(uow)


def said(catalogues: Catalogues, key: str, **params: object) -> str:
    return catalogues.translator("zh_Hans")(key, **params)


def alert(html: str) -> str:
    found = re.search(r'class="kiosk-alert" role="alert">([^<]*)<', html)
    assert found is not None, "the page tells no refusal"
    return found[1]


async def signed_in(client: httpx.AsyncClient, username: str) -> None:
    response = await log_in(client, username, PASSWORD)
    assert response.status_code == 303


async def test_a_scanned_pay_code_is_confirmed_and_its_receipt_shown(
    shop: Shop, uow: UnitOfWork, client: httpx.AsyncClient, catalogues: Catalogues
) -> None:
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    await signed_in(client, "kiosk")
    assert 'href="/kiosk"' in (await client.get("/")).text  # the menu offers the kiosk
    choice = await client.get("/kiosk")  # one outlet: straight to it
    assert (choice.status_code, choice.headers["location"]) == (303, f"/kiosk/{shop.outlet.id}")
    token = await csrf_of(client, f"/kiosk/{shop.outlet.id}")
    scanned = await client.post(
        f"/kiosk/{shop.outlet.id}/scan", data={"code": code.grouped, "csrf_token": token}
    )
    assert scanned.status_code == 303
    page_url = scanned.headers["location"]
    page = (await client.get(page_url)).text
    assert 'id="resident">A***e<' in page  # Alice, masked
    assert f'id="redeemable">{SWEEPS * 5}<' in page
    assert "肥皂" in page
    assert "大米" in page
    checkout_id = int(page_url.rsplit("/", 1)[1])
    confirmed = await client.post(
        f"/kiosk/checkouts/{checkout_id}/confirm",
        data={f"qty_{shop.soap.id}": "2", f"qty_{shop.rice.id}": "0", "csrf_token": token},
    )
    assert (confirmed.status_code, confirmed.headers["location"]) == (303, page_url)
    receipt = (await client.get(page_url)).text
    assert said(catalogues, "kiosk.receipt") in receipt
    assert said(catalogues, "kiosk.checkout_number", id=checkout_id) in receipt
    assert 'id="receipt-total">20<' in receipt
    assert f'href="/kiosk/{shop.outlet.id}"' in receipt  # 下一位: back to scanning
    assert await stock(uow, shop.soap.id) == 1
    assert await balance(uow, shop.town.alice) == SWEEPS * 5 - 20


async def test_a_refused_code_and_quantity_are_told_where_the_operator_was(
    shop: Shop, uow: UnitOfWork, client: httpx.AsyncClient, catalogues: Catalogues
) -> None:
    await signed_in(client, "kiosk")
    counter = f"/kiosk/{shop.outlet.id}"
    token = await csrf_of(client, counter)
    wrong = await client.post(
        f"{counter}/scan", data={"code": "1234 5678 9012", "csrf_token": token}
    )
    assert wrong.status_code == 400
    assert alert(wrong.text) == said(catalogues, "error.pay_code_unknown")
    assert f'action="{counter}/scan"' in wrong.text  # still at the counter, ready to scan
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    scanned = await client.post(f"{counter}/scan", data={"code": code.digits, "csrf_token": token})
    page_url = scanned.headers["location"]
    checkout_id = int(page_url.rsplit("/", 1)[1])
    too_many = await client.post(
        f"/kiosk/checkouts/{checkout_id}/confirm",
        data={f"qty_{shop.soap.id}": "4", "csrf_token": token},
    )
    assert too_many.status_code == 400
    assert alert(too_many.text) == said(catalogues, "error.out_of_stock", item="肥皂", left=3)
    assert f'name="qty_{shop.soap.id}" min="0" max="99" value="4"' in too_many.text  # kept
    assert f'action="/kiosk/checkouts/{checkout_id}/confirm"' in too_many.text
    assert await stock(uow, shop.soap.id) == 3
    assert await balance(uow, shop.town.alice) == SWEEPS * 5
    again = await client.post(  # the same code once more: used
        f"{counter}/scan", data={"code": code.digits, "csrf_token": token}
    )
    assert alert(again.text) == said(catalogues, "error.pay_code_used")


async def test_an_operator_of_another_outlet_is_refused(
    shop: Shop, uow: UnitOfWork, client: httpx.AsyncClient, catalogues: Catalogues
) -> None:
    code = await issue_pay_code(uow, person_id=shop.town.alice)
    await signed_in(client, "kiosk2")
    choice = await client.get("/kiosk")
    assert choice.headers["location"] == f"/kiosk/{shop.other.id}"  # their own outlet
    token = await csrf_of(client, f"/kiosk/{shop.other.id}")
    page = await client.get(f"/kiosk/{shop.outlet.id}")
    # Outside their part of the tree: "not there" and "not yours" are one answer.
    assert page.status_code == 403
    assert said(catalogues, "error.not_found") in page.text
    assert "肥皂" not in page.text
    scan = await client.post(
        f"/kiosk/{shop.outlet.id}/scan", data={"code": code.digits, "csrf_token": token}
    )
    assert scan.status_code == 403
    assert said(catalogues, "error.not_found") in scan.text
    offer = await client.post(
        f"/kiosk/{shop.outlet.id}/offer", data={f"qty_{shop.soap.id}": "1", "csrf_token": token}
    )
    assert offer.status_code == 403
    async with uow.read() as session:
        assert await session.scalar(select(func.count()).select_from(Checkout)) == 0
    # The code was not spent by the refusal: Alice's own outlet still takes it.
    await client.post("/logout", data={"csrf_token": token})
    await signed_in(client, "kiosk")
    token = await csrf_of(client, f"/kiosk/{shop.outlet.id}")
    taken = await client.post(
        f"/kiosk/{shop.outlet.id}/scan", data={"code": code.digits, "csrf_token": token}
    )
    assert taken.status_code == 303


async def test_staff_who_do_not_redeem_have_no_kiosk(
    shop: Shop, client: httpx.AsyncClient
) -> None:
    await signed_in(client, "grid1")
    assert 'href="/kiosk"' not in (await client.get("/")).text
    assert (await client.get("/kiosk")).status_code == 403
    assert (await client.get(f"/kiosk/{shop.outlet.id}")).status_code == 403


async def test_an_operator_not_listed_at_the_outlet_is_told_so(
    shop: Shop, uow: UnitOfWork, client: httpx.AsyncClient, catalogues: Catalogues
) -> None:
    await make_staff(uow, "kiosk3", Role.KIOSK_OPERATOR, shop.town.units["community"])
    await signed_in(client, "kiosk3")
    choice = await client.get("/kiosk")
    assert choice.status_code == 200
    assert said(catalogues, "kiosk.no_outlets") in choice.text
    page = await client.get(f"/kiosk/{shop.outlet.id}")
    assert page.status_code == 400
    assert said(catalogues, "error.not_your_outlet") in page.text


async def test_without_the_bot_username_the_qr_page_says_what_is_missing(
    shop: Shop, uow: UnitOfWork, client: httpx.AsyncClient, catalogues: Catalogues
) -> None:
    await signed_in(client, "kiosk")
    token = await csrf_of(client, f"/kiosk/{shop.outlet.id}")
    posted = await client.post(
        f"/kiosk/{shop.outlet.id}/offer", data={f"qty_{shop.soap.id}": "1", "csrf_token": token}
    )
    assert posted.status_code == 303
    offered = await client.get(posted.headers["location"])
    assert offered.status_code == 200
    assert alert(offered.text) == said(catalogues, "kiosk.no_bot_username")
    assert "<svg" not in offered.text
    async with uow.read() as session:
        status = await session.scalar(select(Checkout.status))
    assert status == "offered"


async def test_only_the_operators_latest_offer_shows_its_qr(
    shop: Shop, uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    """The secret behind a QR is kept only in the answer to the offer (the operator's
    session holds the latest one): an older offer's QR page goes to its checkout page."""
    await signed_in(client, "kiosk")
    token = await csrf_of(client, f"/kiosk/{shop.outlet.id}")
    pages = []
    for _ in range(2):
        posted = await client.post(
            f"/kiosk/{shop.outlet.id}/offer",
            data={f"qty_{shop.soap.id}": "1", "csrf_token": token},
        )
        assert posted.status_code == 303
        pages.append(posted.headers["location"])
    first, second = (int(page.split("/")[-2]) for page in pages)
    assert (await client.get(pages[1])).status_code == 200
    older = await client.get(pages[0])
    assert older.status_code == 303
    assert older.headers["location"] == f"/kiosk/checkouts/{first}"
    async with uow.read() as session:
        offered = (await session.scalars(select(Checkout.id).order_by(Checkout.id))).all()
    assert offered == [first, second]


async def test_a_code_scanned_at_an_outlet_that_does_not_exist_is_refused_and_recorded(
    shop: Shop, uow: UnitOfWork, client: httpx.AsyncClient
) -> None:
    await signed_in(client, "kiosk")
    token = await csrf_of(client, f"/kiosk/{shop.outlet.id}")
    for action, form in (("scan", {"code": "123412341234"}), ("offer", {"qty_1": "1"})):
        refused = await client.post(f"/kiosk/999999/{action}", data={**form, "csrf_token": token})
        assert refused.status_code == 403
    async with uow.read() as session:
        rows = (
            await session.execute(
                select(
                    RedemptionAttempt.step, RedemptionAttempt.outcome, RedemptionAttempt.outlet_id
                )
            )
        ).all()
    assert sorted(rows) == [("offer", "unknown_outlet", None), ("scan", "unknown_outlet", None)]
