"""Attachments drawn on demand: a chart is drawn once, when an adapter uploads it, never for a post nobody opens."""

from __future__ import annotations

import asyncio
import threading

from bot.core.message import Attachment, Message, with_content


class Counting:
    """A stand-in for a matplotlib chart: counts its calls and notes the thread that drew it."""

    def __init__(self) -> None:
        self.calls = 0
        self.threads: list[str] = []

    def __call__(self) -> bytes:
        self.calls += 1
        self.threads.append(threading.current_thread().name)
        return b"\x89PNG drawn"


async def test_a_drawing_is_made_once_in_a_worker_thread_whoever_asks() -> None:
    draw = Counting()
    image = Attachment.drawn_later("chart.png", draw, "activity")
    assert draw.calls == 0 and image.data == b""
    first, second = await asyncio.gather(image.content(), image.content())
    assert first == second == b"\x89PNG drawn"
    assert await image.content() == b"\x89PNG drawn"
    assert draw.calls == 1 and draw.threads != [threading.current_thread().name]  # off the event loop's thread


async def test_with_content_puts_the_bytes_in_the_message_and_leaves_drawn_ones_alone() -> None:
    draw = Counting()
    message = Message("Weekly digest", image=Attachment.drawn_later("chart.png", draw, "activity"))
    ready = await with_content(message)
    assert ready.image == Attachment("chart.png", b"\x89PNG drawn", "activity") and ready.image.drawing is None
    assert ready.body == "Weekly digest" and draw.calls == 1
    plain = Message("hello", image=Attachment("a.csv", b"x,y"))
    assert await with_content(plain) is plain
    assert await with_content(Message("no image")) == Message("no image")


async def test_a_simulated_post_keeps_its_chart_undrawn(start_bot) -> None:  # type: ignore[no-untyped-def]
    from bot.core.refs import ChannelRef
    from tests.conftest import COMMUNITY

    h = await start_bot()
    draw = Counting()
    channel = ChannelRef(COMMUNITY, "general")
    await h.app.messenger.say(channel, Message("Weekly digest", image=Attachment.drawn_later("chart.png", draw)))
    posted = h.sim.transcript[-1]
    assert "(image: chart.png)" in posted.text and draw.calls == 0
    assert posted.message is not None and posted.message.image is not None
    assert await posted.message.image.content() == b"\x89PNG drawn" and draw.calls == 1


async def test_a_drawing_that_failed_is_drawn_again_by_the_next_caller() -> None:
    attempts: list[int] = []

    def flaky() -> bytes:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("matplotlib ran out of memory")
        return b"\x89PNG second try"

    image = Attachment.drawn_later("chart.png", flaky)
    try:
        await image.content()
        raise AssertionError("the failure was hidden")
    except RuntimeError:
        pass
    assert await image.content() == b"\x89PNG second try" and len(attempts) == 2
