"""Announced transfers against a real SIPp staff phone: the announcement is played, key 1 accepts, key 2 declines."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from gateway_helpers import StaffPhone, staff_answers_scenario

from bot.config import DEMO_ORG
from bot.org.orgfile import parse_org_file
from voice.audio import tone
from voice.sip.ua import Call, UserAgent
from voice.transfer import DialPlan, Transferring, Transfers


@pytest.mark.parametrize(("key", "expected"), [("1", "answered"), ("2", "declined")])
def test_an_announced_executive_accepts_with_1_and_declines_with_2(tmp_path: Path, key: str, expected: str):
    directory = parse_org_file(DEMO_ORG)
    announced: list[str] = []

    async def directory_now():
        return directory

    async def speak_to(callee: Call, text: str) -> bool:
        announced.append(text)
        return await callee.rtp.play(tone(8000, 1.0, 440.0, 3000))

    async def scenario() -> tuple[str, bool, tuple[int, str]]:
        staff = await StaffPhone(staff_answers_scenario(tmp_path / "exec.xml", accept_key=key, talk_ms=1500,
                                                        accept_after_ms=1200), tmp_path / "exec").start()
        ua = UserAgent("127.0.0.1", 0)
        await ua.start()
        try:
            transfers = Transfers(ua, DialPlan(routes={"8001": staff.address}), directory_now)
            job = Transferring(caller=None, destination="8001", ring_timeout_s=9,  # type: ignore[arg-type]
                               announcement="来电：ABC公司的李明，谈合作。", speak_to=speak_to)
            result, callee = await transfers.dial(job)
            connected = callee is not None and callee.state == "confirmed"
            if callee is not None:
                await asyncio.wait_for(callee.ended.wait(), 20)  # the executive hangs up after talking
            return result, connected, await staff.finish()
        finally:
            await ua.close()

    result, connected, (code, log) = asyncio.run(scenario())

    assert announced == ["来电：ABC公司的李明，谈合作。"]
    assert result == expected
    assert connected is (expected == "answered")
    if expected == "answered":
        assert code == 0, log
