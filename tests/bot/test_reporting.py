"""A resident reports a problem in the chat, through the real dispatcher and the fake
Bot API: photos fetched by getFile into the file storage without their EXIF, the location
button or a known place, a category button, words or a voice note, review and send; a
cut conversation picks up again; what is not a photo is refused; and a report like an
open case is offered to join it."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from sqlalchemy import select

from core.files import LocalFileStorage
from core.uow import UnitOfWork
from fakebotapi import FakeBotAPI
from fakebotapi.users import FakeUser
from rewards.cases.abuse import stop_reporting
from rewards.cases.models import Case, CaseEvent, CasePhoto, CaseSupporter, KnownPlace
from tests.bot.fixtures import RunningBot
from tests.cases.images import camera_jpeg, exif_of, has_gps
from tests.cases.town import NEAR, Town, build_town, reported

pytestmark = pytest.mark.usefixtures("running_bot")

ALICE, BOB = 501, 502  # the town's residents: Alice in Chinese, Bob in English
OGG_VOICE = b"OggS\x00\x02" + bytes(200)


@pytest.fixture
async def town(uow: UnitOfWork) -> Town:
    return await build_town(uow)


async def case_row(uow: UnitOfWork, case_id: int) -> Case:
    async with uow.read() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return case


async def photo_keys(uow: UnitOfWork, case_id: int) -> list[str]:
    async with uow.read() as session:
        rows = await session.scalars(
            select(CasePhoto.storage_key).where(CasePhoto.case_id == case_id)
        )
        return list(rows)


async def latest_case(uow: UnitOfWork, reporter: int) -> Case:
    async with uow.read() as session:
        case = await session.scalar(
            select(Case).where(Case.reporter_id == reporter).order_by(Case.id.desc()).limit(1)
        )
        assert case is not None
        return case


async def send_two_photos(alice: FakeUser) -> None:
    await alice.send("📷 随手拍")
    await alice.expect_message(contains="请拍下问题的照片")
    await alice.send_photo(camera_jpeg(1))
    await alice.expect_message(contains="收到第 1 张照片")
    # A photo sent as a file keeps every EXIF tag the phone wrote.
    await alice.send_document(camera_jpeg(2), filename="IMG_0001.jpg")
    await alice.expect_message(contains="收到第 2 张照片")


async def test_a_report_from_photos_to_sent_keeps_clean_copies(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town, files: LocalFileStorage
) -> None:
    alice = fake_api.user(ALICE, first_name="Alice", language_code="zh-hans")
    await send_two_photos(alice)
    await alice.press("下一步 ▶")
    await alice.expect_message(contains="问题在哪里")
    assert alice.reply_keyboard == [["📍 发送我的位置"]]
    await alice.expect_message(contains="还没有可选的地点")
    await alice.send_location(*NEAR)
    await alice.expect_message(contains="位置已收到")
    ask = await alice.expect_message(contains="哪一类问题")
    assert ["垃圾乱堆", "路灯不亮"] in ask.buttons()
    await alice.press("垃圾乱堆")
    await alice.expect_message(contains="可以写几句话")
    await alice.send("3号楼门口垃圾堆了两天 <b>没人管</b>")
    review = await alice.expect_message(contains="请核对")
    for part in ("照片：2 张", "垃圾乱堆", "40.00010, 116.00010", "<b>没人管</b>"):
        assert part in (review.text or "")
    await alice.press("✅ 提交")
    await alice.expect_message(contains="已提交")

    case = await latest_case(uow, town.people.alice)
    assert (case.status, case.category_id) == ("reported", town.litter)
    assert (case.latitude, case.longitude) == NEAR
    assert case.description == "3号楼门口垃圾堆了两天 <b>没人管</b>"
    keys = await photo_keys(uow, case.id)
    assert len(keys) == 2
    for key in keys:
        kept = await files.get(key)
        assert kept.startswith(b"\xff\xd8")  # saved again as JPEG
        assert exif_of(kept) == {}
        assert not has_gps(kept)
    assert has_gps(camera_jpeg(2))  # what the phone sent did carry the place


async def test_the_report_resumes_after_a_restart_and_can_go_back(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town, running_bot: RunningBot
) -> None:
    alice = fake_api.user(ALICE, first_name="Alice", language_code="zh-hans")
    await send_two_photos(alice)
    storage = running_bot.dispatcher.fsm.storage
    assert isinstance(storage, MemoryStorage)
    storage.storage.clear()  # what a restart without Redis forgets
    await alice.send("📷 随手拍")
    await alice.expect_message(contains="继续您没发完的")
    await alice.expect_message(contains="问题在哪里")
    await alice.expect_message()
    await alice.press("◀ 上一步")
    await alice.expect_message(contains="请拍下问题的照片")
    await alice.press("下一步 ▶")
    await alice.expect_message(contains="问题在哪里")
    await alice.expect_message()
    await alice.press("✖ 不报了")
    await alice.expect_message(contains="已取消")
    case = await latest_case(uow, town.people.alice)
    assert case.status == "withdrawn"


async def test_a_known_place_and_a_voice_note_in_english(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town
) -> None:
    async with uow.write() as session:
        gate = KnownPlace(
            org_unit_id=town.people.units["community"].id, name="东门", name_en="East gate",
            latitude=40.002, longitude=116.002,
        )  # fmt: skip
        session.add(gate)
    bob = fake_api.user(BOB, first_name="Bob", language_code="en")
    await bob.send("📷 Report a problem")
    await bob.expect_message(contains="Send me photos")
    await bob.send_photo(camera_jpeg(3))
    await bob.expect_message(contains="Photo 1 received")
    await bob.press("Next ▶")
    await bob.expect_message(contains="Where is it?")
    await bob.expect_message(contains="choose a place")
    await bob.press("East gate")
    await bob.expect_message(contains="Place chosen")
    await bob.expect_message(contains="What kind")
    await bob.press("Street light")
    await bob.expect_message(contains="Add a few words")
    await bob.send_voice(OGG_VOICE)
    review = await bob.expect_message(contains="Please check")
    assert "East gate" in (review.text or "")
    assert "voice note" in (review.text or "")
    await bob.press("✅ Send")
    await bob.expect_message(contains="Sent")
    case = await latest_case(uow, town.people.bob)
    assert case.status == "reported"
    assert case.place_id is not None
    assert case.voice_key is not None
    assert case.voice_key.endswith(".ogg")


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (b"%PDF-1.7 a tax form", "form.pdf", "这不是照片"),
        (b"\xff\xd8\xff\xe0 broken jpeg", "broken.jpg", "这不是照片"),
        (b"GIF89a" + bytes(40), "funny.gif", "这不是照片"),
    ],
)
async def test_what_is_not_a_photo_is_refused_and_nothing_is_kept(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town, data: bytes, filename: str, says: str
) -> None:
    alice = fake_api.user(ALICE, first_name="Alice", language_code="zh-hans")
    await alice.send_document(data, filename=filename, mime_type="image/jpeg")
    await alice.expect_message(contains=says)
    async with uow.read() as session:
        assert await session.scalar(select(CasePhoto.id)) is None


async def test_a_file_too_large_is_refused_before_it_is_fetched(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town
) -> None:
    alice = fake_api.user(ALICE, first_name="Alice", language_code="zh-hans")
    await alice.send_document(bytes(11 * 1024 * 1024), filename="huge.jpg")
    await alice.expect_message(contains="文件太大了，最多 10 MB")
    assert not fake_api.files.downloads  # the bot did not even fetch it


async def test_a_report_near_an_open_one_may_join_it_as_support(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town
) -> None:
    first = await reported(uow, town, town.people.alice, town.litter)
    bob = await report_until_review(fake_api, "Street light", seed=4)
    await bob.press("✅ Send")  # another category: not the same problem
    await bob.expect_message(contains="Sent")
    bob_first = await latest_case(uow, town.people.bob)
    assert bob_first.similar_to_id is None

    bob = await report_until_review(fake_api, "Litter", seed=5)
    await bob.press("✅ Send")
    offer = await bob.expect_message(contains="Is it the same problem?")
    assert f"No. {first.id}" in (offer.text or "")
    assert "m away" in (offer.text or "")
    await bob.press(f"Same one: support No. {first.id}")
    await bob.expect_message(contains=f"You now support case No. {first.id}")
    draft = await latest_case(uow, town.people.bob)
    assert (draft.status, draft.duplicate_of_id) == ("withdrawn", first.id)
    async with uow.read() as session:
        supporters = list(await session.scalars(select(CaseSupporter.person_id)))
        events = list(
            await session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == first.id))
        )
    assert supporters == [town.people.bob]
    assert "support" in events


async def test_the_same_photo_is_noticed_and_sending_anyway_flags_it(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town
) -> None:
    bob = await report_until_review(fake_api, "Litter", seed=6)
    await bob.press("✅ Send")
    await bob.expect_message(contains="Sent")
    first = await latest_case(uow, town.people.bob)
    # Alice photographs the same heap (the same picture) but picks another category,
    # far away: only the photo gives it away.
    alice = fake_api.user(ALICE, first_name="Alice", language_code="zh-hans")
    await alice.send("📷 随手拍")
    await alice.expect_message()
    await alice.send_photo(camera_jpeg(6))
    await alice.expect_message(contains="收到第 1 张照片")
    await alice.press("下一步 ▶")
    await alice.expect_message()
    await alice.expect_message()
    await alice.send_location(41.0, 117.0)
    await alice.expect_message()
    await alice.expect_message()
    await alice.press("路灯不亮")
    await alice.expect_message()
    await alice.press("跳过 ▶")
    await alice.expect_message(contains="请核对")
    await alice.press("✅ 提交")
    offer = await alice.expect_message(contains="是同一个吗")
    assert "照片几乎一样" in (offer.text or "")
    await alice.press("不是，这是新问题")
    await alice.expect_message(contains="已提交")
    second = await latest_case(uow, town.people.alice)
    assert (second.status, second.similar_to_id) == ("reported", first.id)


async def report_until_review(fake_api: FakeBotAPI, category: str, *, seed: int) -> FakeUser:
    """Bob's report at the town's usual spot, up to its review."""
    bob = fake_api.user(BOB, first_name="Bob", language_code="en")
    await bob.send("📷 Report a problem")
    await bob.expect_message(contains="Send me photos")
    await bob.send_photo(camera_jpeg(seed))
    await bob.expect_message(contains="received")
    await bob.press("Next ▶")
    await bob.expect_message(contains="Where is it?")
    await bob.expect_message()
    await bob.send_location(NEAR[0] + 0.0001, NEAR[1])
    await bob.expect_message(contains="Location received")
    await bob.expect_message(contains="What kind")
    await bob.press(category)
    await bob.expect_message(contains="Add a few words")
    await bob.press("Skip ▶")
    await bob.expect_message(contains="Please check")
    return bob


async def test_a_stopped_or_unverified_resident_is_told_why_they_cannot_report(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town
) -> None:
    await stop_reporting(uow, staff=town.people.deputy, person_id=town.people.alice, reason="刷屏")
    alice = fake_api.user(ALICE, first_name="Alice", language_code="zh-hans")
    await alice.send("📷 随手拍")
    await alice.expect_message(contains="您的随手拍功能已被社区暂停")
    await alice.send_photo(camera_jpeg(41))
    await alice.expect_message(contains="您的随手拍功能已被社区暂停")
    carol = fake_api.user(503, first_name="Carol", language_code="zh-hans")  # not verified yet
    await carol.send("📷 随手拍")
    await carol.expect_message(contains="审核通过后就能随手拍了")
    async with uow.read() as session:
        assert await session.scalar(select(Case.id)) is None


async def test_a_fifth_photo_is_refused_before_it_is_fetched(
    fake_api: FakeBotAPI, uow: UnitOfWork, town: Town
) -> None:
    alice = fake_api.user(ALICE, first_name="Alice", language_code="zh-hans")
    for seed in range(4):
        await alice.send_photo(camera_jpeg(70 + seed))
        await alice.expect_message(contains=f"收到第 {seed + 1} 张照片")
    fetched = len(fake_api.files.downloads)
    await alice.send_photo(camera_jpeg(75))
    await alice.expect_message(contains="最多 4 张照片")
    assert len(fake_api.files.downloads) == fetched
