"""Registering to a PBX: kamailio as registrar (digest auth) and proxy, SIPp calling through it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from voice_helpers import eventually, run_sipp

from voice.sip.ua import Account, Call, UserAgent

PASSWORD = "front-desk-test"


def account(registrar: tuple[str, int], password: str = PASSWORD, expires_s: int = 60) -> Account:
    return Account(registrar=registrar, domain="frontdesk.test", username="8888", password=password,
                   expires_s=expires_s)


def test_register_with_digest_auth_then_a_call_through_the_pbx_is_answered(kamailio: tuple[str, int], tmp_path: Path):
    seen: dict[str, object] = {}

    async def on_call(call: Call) -> None:
        seen["info"] = call.info
        seen["routes"] = list(call.route_set)
        await asyncio.sleep(0.3)

    async def scenario() -> tuple[int, int, int, str]:
        ua = UserAgent("127.0.0.1", 0, on_call=on_call, user="8888")
        await ua.start()
        try:
            reply = await ua.register(account(kamailio))
            code, log = await run_sipp("caller_hung_up_on.xml", kamailio, tmp_path, service="8888", timeout_s=20)
            return reply.status or 0, ua.registered_for(reply, 0), code, log
        finally:
            await ua.close()

    status, granted, code, log = asyncio.run(scenario())

    assert status == 200
    assert 0 < granted <= 60
    assert code == 0, log
    assert seen["info"].dialled == "8888" and seen["info"].caller_id == "+8613800000000"
    assert seen["info"].peer == kamailio, "the call came through the PBX"
    assert seen["routes"], "kamailio record-routes: our BYE must follow the route set back through it"


def test_a_wrong_password_is_refused_and_no_call_reaches_the_gateway(kamailio: tuple[str, int], tmp_path: Path):
    calls: list[Call] = []

    async def on_call(call: Call) -> None:
        calls.append(call)

    async def scenario() -> tuple[int, int]:
        ua = UserAgent("127.0.0.1", 0, on_call=on_call, user="8888")
        await ua.start()
        try:
            reply = await ua.register(account(kamailio, password="wrong"))
            code, _ = await run_sipp("caller_hung_up_on.xml", kamailio, tmp_path, service="8888", timeout_s=5)
            return reply.status or 0, code
        finally:
            await ua.close()

    status, code = asyncio.run(scenario())

    assert status in (401, 403)
    assert code != 0 and not calls, "an unregistered gateway must not get the call (kamailio answers 404)"


def test_unregistering_stops_calls_and_refreshing_keeps_the_registration(kamailio: tuple[str, int], tmp_path: Path):
    statuses: list[int] = []

    async def scenario() -> tuple[int, int]:
        ua = UserAgent("127.0.0.1", 0, user="8888")
        await ua.start()
        try:
            keeper = asyncio.create_task(ua.stay_registered(account(kamailio, expires_s=10), statuses.append))
            # registered, then refreshed at 80 % of the 10 s granted (8 s later)
            await eventually(lambda: len(statuses) >= 2, timeout_s=30)
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)
            removed = await ua.register(account(kamailio), expires_s=0)
            code, _ = await run_sipp("caller_hung_up_on.xml", kamailio, tmp_path, service="8888", timeout_s=5)
            return removed.status or 0, code
        finally:
            await ua.close()

    removed, code = asyncio.run(scenario())

    assert statuses[:2] == [200, 200], statuses
    assert removed == 200 and code != 0
