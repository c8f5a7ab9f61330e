"""The lobby kiosk page: public (it runs on a lobby device, no sign-in), and it changes nothing
except through the conversation. See bot/web/kiosk.py for the parts behind it.

    GET  /kiosk                              the page (?lang=zh|en)
    POST /kiosk/api/start   {"lang"}         a new conversation and the greeting
    POST /kiosk/api/say     {"conversation", "text"}   one typed turn and the reply
    GET  /kiosk/listen/{conversation}?lang=  WebSocket: 16 kHz PCM in; partial, final, reply out
    GET  /kiosk/audio/{conversation}/{clip}  a reply, spoken (WAV), for that conversation only

Everything under /kiosk/ is rate limited per client address (bot/web/app.py `rate_limits`), and
starts and turns have their own, tighter limits (bot/web/kiosk.py `start_rate`, `turn_rate`):
over a limit, 429 `{"error": "rate_limited", "retry_after_s"}`, which the page shows as such. A
start costs the dialogue nothing: it hears of the conversation with the visitor's first words.
Microphone streams are limited in number (per address and in all), time and bytes, and closed
with a WebSocket close code saying which (bot/web/kiosk.py `ListenClose`).

The API takes JSON only (a cross-site form cannot send it without the browser asking first)
and refuses a request whose Origin is another site; the conversation id, made by the server,
is the only key to a conversation and its audio.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import WSMsgType, web

from bot.web.app import check_same_origin, current_directory, language, render, run_db
from bot.web.kiosk import (
    LANGUAGES,
    MAX_TEXT,
    SWITCH_TEXT,
    DialogueUnavailable,
    Kiosk,
    KioskConversation,
    KioskSettings,
    ListenClose,
    Reply,
    language_of,
    opening,
    visit_shown,
)

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
KIOSK = web.AppKey("kiosk", Kiosk)

TEXT: dict[str, dict[str, str]] = {
    "zh": {"title": "访客登记", "welcome": "欢迎光临", "hint": "请说话或输入您要找的人",
           "placeholder": "在这里输入…", "send": "发送", "speak": "按一下说话", "listening": "正在听…请说话",
           "stop": "说完了", "no_speech": "暂不支持语音，请输入文字", "thinking": "请稍候…",
           "unavailable": "抱歉，系统暂时无法应答，请到前台咨询工作人员。", "registered": "登记成功",
           "slow_down": "操作太频繁了，请稍等片刻再试。",
           "visitor": "访客", "host": "受访人", "seat": "请您先坐一下，我们已通知{host}。",
           "reset_in": "{s} 秒后返回首页", "continue": "继续对话", "done": "完成", "restart": "重新开始",
           "heard_nothing": "没有听清，请再说一遍，或者输入文字。", "you": "您", "receptionist": "前台"},
    "en": {"title": "Visitor sign-in", "welcome": "Welcome", "hint": "Speak, or type whom you are here to see",
           "placeholder": "Type here…", "send": "Send", "speak": "Tap to speak", "listening": "Listening… please speak",
           "stop": "Done", "no_speech": "Speech not available: please type", "thinking": "One moment…",
           "unavailable": "Sorry, the system cannot answer right now. Please ask at the front desk.",
           "slow_down": "Too many requests from this kiosk: please wait a moment and try again.",
           "registered": "You're signed in", "visitor": "Visitor", "host": "Host",
           "seat": "Please take a seat; we have let {host} know you are here.", "reset_in": "Back to start in {s} s",
           "continue": "Continue", "done": "Done", "restart": "Start again",
           "heard_nothing": "I didn't catch that. Please say it again, or type.", "you": "You",
           "receptionist": "Reception"},
}
"""The page's own words; everything the receptionist says comes from the dialogue."""


def configure_kiosk(app: web.Application, settings: KioskSettings) -> Kiosk:
    """Give `app` (before it starts) a kiosk with `settings`; closed with the app."""
    kiosk = Kiosk(settings)
    app[KIOSK] = kiosk
    app.on_cleanup.append(lambda _app: kiosk.close())
    return kiosk


def kiosk_of(request: web.Request) -> Kiosk:
    """The app's kiosk (`build_app` configures one; tests may configure their own)."""
    return request.app[KIOSK]


# ---------------------------------------------------------------------------------- the page


@routes.get("/kiosk")
async def kiosk_page(request: web.Request) -> web.Response:
    chosen = request.query.get("lang")
    lang = chosen if chosen in LANGUAGES else language(request)
    kiosk = kiosk_of(request)
    config = {"lang": lang, "speech": kiosk.speech_available, "reset_after_s": kiosk.settings.reset_after_s,
              "max_text": MAX_TEXT, "text": TEXT, "switch": SWITCH_TEXT}
    return render(request, "kiosk.html", kiosk_lang=lang, words=TEXT[lang], config=config,
                  speech=kiosk.speech_available[lang])


# ---------------------------------------------------------------------------------- the conversation


@routes.post("/kiosk/api/start")
async def start(request: web.Request) -> web.Response:
    """A new conversation and its greeting, made here: no dialogue turn, no call record yet."""
    body = await _json_body(request)
    lang = body.get("lang") if body.get("lang") in LANGUAGES else LANGUAGES[0]
    kiosk = kiosk_of(request)
    refused = _over_limit(request, kiosk, "start")
    if refused is not None:
        return refused
    directory = await current_directory(request)
    if directory is None:
        return _unavailable(LookupError("no organisation"))
    conversation = kiosk.open_conversation(lang)
    text, conversation.language = opening(directory, lang)
    audio = None
    if kiosk.settings.prompts_dir is not None:
        audio = f"/kiosk/audio/{conversation.id}/{conversation.add_clip(text, conversation.language)}"
    return web.json_response(Reply(conversation.id, [text], conversation.language, audio, None, False).to_json())


@routes.post("/kiosk/api/say")
async def say(request: web.Request) -> web.Response:
    body = await _json_body(request)
    refused = _over_limit(request, kiosk_of(request), "turn")
    if refused is not None:
        return refused
    conversation = _conversation(request, body.get("conversation"))
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise web.HTTPBadRequest(text="Say something.")
    try:
        reply = await take_turn(request, kiosk_of(request), conversation, text)
    except DialogueUnavailable as exc:
        return _unavailable(exc)
    return web.json_response(reply.to_json())


async def take_turn(request: web.Request, kiosk: Kiosk, conversation: KioskConversation, text: str) -> Reply:
    """One turn of the visitor's (typed, spoken, or the empty start) and what the receptionist answers."""
    async with conversation.lock:
        texts, customs = await kiosk.say(conversation, text)
        if texts:
            conversation.language = language_of(" ".join(texts))
        lang = conversation.language
        audio = None
        if texts and kiosk.settings.prompts_dir is not None:
            clip = conversation.add_clip(" ".join(texts), lang)
            audio = f"/kiosk/audio/{conversation.id}/{clip}"
        visit = None
        for custom in customs:
            if custom.get("type") == "record" and custom.get("kind") == "visit" and isinstance(custom.get("id"), int):
                directory = await current_directory(request)
                visit = await run_db(request, visit_shown, directory, custom["id"], conversation.id, lang)
        ended = any(custom.get("type") == "hangup" for custom in customs)
        return Reply(conversation.id, texts, lang, audio, visit, ended)


def _over_limit(request: web.Request, kiosk: Kiosk, limit: str) -> web.Response | None:
    """429 when the client address is over the kiosk's `limit` ("start" or "turn"), else None."""
    wait_s = kiosk.retry_after(limit, request.remote or "?")
    if not wait_s:
        return None
    return web.json_response({"error": "rate_limited", "retry_after_s": wait_s}, status=429,
                             headers={"Retry-After": str(wait_s)})


def _conversation(request: web.Request, conversation_id: Any) -> KioskConversation:
    found = kiosk_of(request).conversation(conversation_id) if isinstance(conversation_id, str) else None
    if found is None:
        raise web.HTTPNotFound(text="This kiosk conversation is over; the page starts a new one.")
    return found


async def _json_body(request: web.Request) -> dict[str, Any]:
    check_same_origin(request)
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="JSON only.")
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="Not JSON.") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="Not a JSON object.")
    return body


def _unavailable(exc: Exception) -> web.Response:
    log.warning("kiosk: the dialogue did not answer: %s", exc)
    return web.json_response({"error": "unavailable"}, status=503)


# ---------------------------------------------------------------------------------- reply audio


@routes.get("/kiosk/audio/{conversation}/{clip}")
async def reply_audio(request: web.Request) -> web.Response:
    conversation = _conversation(request, request.match_info["conversation"])
    clip = conversation.clips.get(request.match_info["clip"])
    if clip is None:
        raise web.HTTPNotFound(text="No such reply.")
    try:
        wav = await kiosk_of(request).reply_audio(clip)
    except Exception as exc:  # no voice (engine, package, time-out): the text is on screen
        log.warning("kiosk: could not speak a reply: %r", exc)
        raise web.HTTPServiceUnavailable(text="Speech is not available.") from None
    return web.Response(body=wav, content_type="audio/wav")


# ---------------------------------------------------------------------------------- the microphone


@routes.get("/kiosk/listen/{conversation}")
async def listen(request: web.Request) -> web.StreamResponse:
    """One utterance: the page streams 16-bit 16 kHz PCM; partial results come back as they
    form, then the final transcript, which goes to the dialogue like a typed turn, then the reply."""
    check_same_origin(request)
    kiosk = kiosk_of(request)
    refused = _over_limit(request, kiosk, "turn")
    if refused is not None:
        return refused
    conversation = _conversation(request, request.match_info["conversation"])
    lang = request.query.get("lang", conversation.language)
    ws = web.WebSocketResponse(max_msg_size=1 << 20, heartbeat=20)
    await ws.prepare(request)
    with kiosk.listening(request.remote or "?") as admitted:
        if not admitted:
            await ws.send_json({"type": "error", "error": "busy"})
            await ws.close(code=ListenClose.TRY_AGAIN_LATER, message=b"too many microphone streams")
            return ws
        try:  # the time limit is the listening's; the reply, once heard, is the dialogue's time-out
            text = await asyncio.wait_for(_listen(ws, kiosk, lang), kiosk.settings.listen_max_s)
        except SpeechFellBehind as exc:
            log.warning("kiosk: %s; the visitor is asked to type", exc)
            await ws.send_json({"type": "error", "error": "speech not available"})
            await ws.close()
            return ws
        except asyncio.TimeoutError:
            log.warning("kiosk: a microphone stream from %s was open over %g s: closed", request.remote,
                        kiosk.settings.listen_max_s)
            await ws.close(code=ListenClose.POLICY_VIOLATION, message=b"time limit")
            return ws
        if text is None or ws.closed:
            return ws
        if not text:
            await ws.send_json({"type": "nothing"})
        else:
            await ws.send_json({"type": "final", "text": text})
            try:
                reply = await take_turn(request, kiosk, conversation, text)
                await ws.send_json({"type": "reply", **reply.to_json()})
            except DialogueUnavailable as exc:
                _unavailable(exc)
                await ws.send_json({"type": "error", "error": "unavailable"})
        await ws.close()
    return ws


async def _listen(ws: web.WebSocketResponse, kiosk: Kiosk, lang: str) -> str | None:
    """The recogniser for `lang`, then one utterance heard (`_hear`); None when there is none."""
    try:
        recognizer = await kiosk.recognizer(lang)
    except (LookupError, ImportError, asyncio.TimeoutError) as exc:
        log.warning("kiosk: no speech recognition for %s: %r", lang, exc)
        await ws.send_json({"type": "error", "error": "speech not available"})
        await ws.close()
        return None
    await ws.send_json({"type": "ready"})
    return await _hear(ws, recognizer, kiosk.settings)


class SpeechFellBehind(Exception):
    """Decoding one chunk outlived its time-out (an overloaded machine): this utterance cannot be heard."""


async def _hear(ws: web.WebSocketResponse, recognizer: Any, settings: KioskSettings) -> str | None:
    """The utterance's text ("" when nothing was understood), or None when the page went away
    (or sent more than `listen_max_bytes`: closed with 1009). Raises SpeechFellBehind, which is
    not the listening's time limit."""
    from voice.stt import Transcriber

    transcriber = Transcriber(recognizer, timeout_s=settings.decode_timeout_s)
    try:
        return await _heard_text(ws, transcriber, recognizer.sample_rate, settings.listen_limit_s,
                                 settings.listen_max_bytes)
    except asyncio.TimeoutError as exc:
        raise SpeechFellBehind(f"speech decoding fell behind: {exc}") from exc


async def _heard_text(ws: web.WebSocketResponse, transcriber: Any, sample_rate: int, limit_s: float,
                      max_bytes: int) -> str | None:
    from voice.stt import Partial, Utterance

    heard_s = 0.0
    received = 0
    async for message in ws:
        if message.type in (WSMsgType.BINARY, WSMsgType.TEXT):
            received += len(message.data)
            if received > max_bytes:
                log.warning("kiosk: a microphone stream sent over %d bytes: closed", max_bytes)
                await ws.close(code=ListenClose.MESSAGE_TOO_BIG, message=b"too much data")
                return None
        if message.type == WSMsgType.BINARY:
            pcm = message.data[: len(message.data) // 2 * 2]
            heard_s += len(pcm) / 2 / sample_rate
            result = await transcriber.feed(pcm)
            if isinstance(result, Partial):
                await ws.send_json({"type": "partial", "text": result.text})
            elif isinstance(result, Utterance):
                return result.text
            if heard_s >= limit_s:
                break
        elif message.type == WSMsgType.TEXT and message.data == "stop":
            break
        elif message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.ERROR):
            return None
    if ws.closed:
        return None
    finished = await transcriber.finish()
    return finished.text if finished else ""
