"""The try page's routes: the persona chooser, the chat page and the small JSON API its
script polls and posts to. Made by `admin.routes.page_router`, so every POST carries the
page's CSRF token and no field a control character, as anywhere in the panel."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from admin.params import MAX_ID, IdPath
from admin.rendering import render, translator_for
from admin.routes import page_router
from fakebotapi.media import image_size, mime_type
from moralbank.demo_cases import PLACES
from moralbank.tryout.chats import PressFailed, TryChat
from moralbank.tryout.personas import Cast

MAX_TEXT = 4096  # Telegram's longest message
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's largest photo
TELEGRAM_LANGUAGES = ("zh-hans", "en")
Text = Annotated[str, Form(min_length=1, max_length=MAX_TEXT)]
Index = Annotated[int, Form(ge=0, le=1000)]
MessageId = Annotated[int, Form(ge=1, le=MAX_ID)]


def create_router(cast: Cast) -> APIRouter:
    router = page_router()

    async def chat_of(telegram_id: int) -> TryChat:
        chat = cast.chat(telegram_id)
        if chat is None:  # someone who joined or was linked since, or a page kept open
            await cast.personas()
            chat = cast.chat(telegram_id)
        if chat is None:
            raise HTTPException(404)
        return chat

    def state(chat: TryChat) -> JSONResponse:
        return JSONResponse(chat.state())

    @router.get("/try")
    async def personas(request: Request) -> Response:
        t = translator_for(request)
        people = await cast.personas()
        groups = [
            (kind, [p for p in people if p.kind == kind])
            for kind in ("staff", "waiting", "resident")
        ]
        bot = cast.api.bot_first_name
        return render(request, "try_personas.html", t, groups=groups, bot=bot)

    @router.post("/try/newcomer")
    async def newcomer(language: Annotated[str, Form()] = "zh-hans") -> Response:
        code = language if language in TELEGRAM_LANGUAGES else TELEGRAM_LANGUAGES[0]
        chat = cast.newcomer(code)
        return RedirectResponse(f"/try/chat/{chat.persona.telegram_id}", status_code=303)

    @router.get("/try/chat/{telegram_id}")
    async def chat_page(request: Request, telegram_id: IdPath) -> Response:
        chat = await chat_of(telegram_id)
        t = translator_for(request)
        places = [
            (index, name_en if t.locale == "en" else name)
            for index, (name, name_en, _, _) in enumerate(PLACES)
        ]
        return render(
            request, "try_chat.html", t, chat=chat, persona=chat.persona,
            bot=cast.api.bot_first_name, places=places, languages=TELEGRAM_LANGUAGES,
        )  # fmt: skip

    @router.get("/try/api/chat/{telegram_id}")
    async def chat_state(telegram_id: IdPath, since: str = "") -> Response:
        chat = await chat_of(telegram_id)
        current = chat.state()
        if since and since == current["version"]:
            return JSONResponse({"version": current["version"], "changed": False})
        return JSONResponse({**current, "changed": True})

    @router.post("/try/api/chat/{telegram_id}/send")
    async def send(telegram_id: IdPath, text: Text) -> Response:
        chat = await chat_of(telegram_id)
        if not text.strip():
            raise HTTPException(400)
        await chat.send_text(text)
        return state(chat)

    @router.post("/try/api/chat/{telegram_id}/contact")
    async def contact(telegram_id: IdPath) -> Response:
        chat = await chat_of(telegram_id)
        await chat.send_contact()
        return state(chat)

    @router.post("/try/api/chat/{telegram_id}/location")
    async def location(request: Request, telegram_id: IdPath, place: Index) -> Response:
        chat = await chat_of(telegram_id)
        if place >= len(PLACES):
            raise HTTPException(400)
        name, name_en, latitude, longitude = PLACES[place]
        label = name_en if translator_for(request).locale == "en" else name
        await chat.send_location(latitude, longitude, label)
        return state(chat)

    @router.post("/try/api/chat/{telegram_id}/photo")
    async def photo(
        telegram_id: IdPath,
        upload: Annotated[UploadFile, File()],
        caption: Annotated[str, Form(max_length=1024)] = "",
    ) -> Response:
        chat = await chat_of(telegram_id)
        data = await upload.read(MAX_PHOTO_BYTES + 1)
        # A Telegram client sends only pictures as photos; anything else never leaves it.
        if len(data) > MAX_PHOTO_BYTES or image_size(data) is None:
            raise HTTPException(400)
        await chat.send_photo(data, caption.strip() or None)
        return state(chat)

    @router.post("/try/api/chat/{telegram_id}/press")
    async def press(
        telegram_id: IdPath, message: MessageId, row: Index, column: Index
    ) -> Response:
        chat = await chat_of(telegram_id)
        try:
            callback = await chat.press(message, row, column)
        except PressFailed:
            raise HTTPException(409) from None
        return JSONResponse({**chat.state(), "callback": callback})

    @router.post("/try/api/chat/{telegram_id}/language")
    async def language(telegram_id: IdPath, code: Annotated[str, Form()]) -> Response:
        chat = await chat_of(telegram_id)
        if code not in TELEGRAM_LANGUAGES:
            raise HTTPException(400)
        chat.set_language(code)
        return state(chat)

    @router.get("/try/api/chat/{telegram_id}/files/{message_id}")
    async def file(telegram_id: IdPath, message_id: IdPath) -> Response:
        found = (await chat_of(telegram_id)).file(message_id)
        if found is None:
            raise HTTPException(404)
        data, filename = found
        if filename is None:
            return Response(data, media_type=_picture_type(data))
        disposition = f"attachment; filename*=UTF-8''{_quoted(filename)}"
        return Response(
            data, media_type=mime_type(filename), headers={"Content-Disposition": disposition}
        )

    return router


def _picture_type(data: bytes) -> str:
    for magic, kind in ((b"\x89PNG", "image/png"), (b"\xff\xd8", "image/jpeg"),
                        (b"GIF8", "image/gif"), (b"RIFF", "image/webp")):  # fmt: skip
        if data.startswith(magic):
            return kind
    return "application/octet-stream"


def _quoted(filename: str) -> str:
    return quote(filename, safe="")
