"""Polls, told as the animator and the members live them: create, vote, change one's mind, close, results."""

from __future__ import annotations

import itertools
from datetime import timedelta

from bot.adapters.base import Capability
from bot.core.events import ButtonPressed, PollVoted
from bot.core.message import Message, as_plain
from tests.conftest import Harness, make_config
from tests.polls.helpers import ballots, bot_posts, last_post, poll_row


async def test_poll_is_voted_by_buttons_and_reactions_changed_votes_count_once_and_results_come_at_the_deadline(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    # only the polls cog: the year of virtual time below would otherwise run every other cog's hourly jobs
    h: Harness = await start_bot(make_config(db_url, bot={"cogs": ["polls"]}))
    reply = await h.sim.command("admin", 'poll create "Which event next month?" "Live Q&A, Coaching, Meetup" duration=2d')
    assert "Poll #1 posted" in reply.message.body
    poll_msg = last_post(h)
    assert poll_msg.message is not None and len(poll_msg.message.buttons) == 4  # three answers and the results button
    assert "Public" in poll_msg.text

    await h.sim.press("alice", poll_msg.ref.id, "Coaching")
    await h.sim.press("bob", poll_msg.ref.id, "Meetup")
    changed = await h.sim.press("bob", poll_msg.ref.id, "Live Q&A")  # bob changes his mind: only the last vote counts
    assert changed is not None and "Live Q&A" in changed.message.body
    await h.sim.react("chloe", poll_msg.ref.id, "2️⃣")
    await h.sim.react("dave", poll_msg.ref.id, "3️⃣")
    await h.sim.react("dave", poll_msg.ref.id, "3️⃣", remove=True)  # dave takes his vote back
    await h.sim.react("emma", poll_msg.ref.id, "👍")  # not a number: not a vote

    assert await ballots(h, 1) == [("alice", 1), ("bob", 0), ("chloe", 1)]
    assert await h.scalar("select count(distinct member_id) from interactions where kind = 'poll_vote'") == 4  # dave took part too

    await h.app.scheduler.advance_to(h.clock.now() + timedelta(days=2))
    results = last_post(h)
    assert results.message is not None and results.message.title == "📊 Results: Which event next month?"
    assert "Live Q&A `████░░░░░░░░` 1 (33%)" in results.text
    assert "Coaching `████████░░░░` 2 (67%)" in results.text
    assert results.message.image is not None and (await results.message.image.content()).startswith(b"\x89PNG")
    row = await poll_row(h, 1)
    assert row.closed_at is not None

    # after the close: votes are refused, reactions ignored, and the results are not posted twice
    late = await h.sim.press("frank", poll_msg.ref.id, "Meetup")
    assert late is not None and "closed" in late.message.body
    await h.sim.react("frank", poll_msg.ref.id, "1️⃣")
    assert await ballots(h, 1) == [("alice", 1), ("bob", 0), ("chloe", 1)]
    posts = len(bot_posts(h))
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(days=400))
    assert len(bot_posts(h)) == posts


async def test_multiple_choice_toggles_each_answer(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "What do you want more of?" "Workshops, Talks, Meetups" kind=multiple duration=1d')
    msg = last_post(h)
    await h.sim.press("alice", msg.ref.id, "1")
    await h.sim.press("alice", msg.ref.id, "3")
    await h.sim.react("alice", msg.ref.id, "2️⃣")
    reply = await h.sim.press("alice", msg.ref.id, "1")  # clicking again takes it back
    assert reply is not None and "Your vote: Talks and Meetups." in reply.message.body
    assert await ballots(h, 1) == [("alice", 1), ("alice", 2)]
    await h.sim.command("admin", "poll close 1")
    assert "_1 voter_" in last_post(h).text  # singular
    assert "Meetups `████████████` 1 (100%)" in last_post(h).text


async def test_live_results_button_and_results_revealed_only_at_close(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "Tea or coffee?" "Tea, Coffee" results=close duration=1d')
    msg = last_post(h)
    assert msg.message is not None and [b.label for b in msg.message.buttons] == ["Tea", "Coffee"]  # no live results button
    await h.sim.press("alice", msg.ref.id, "Tea")
    peek = await h.app.press(ButtonPressed(custom_id="poll:1:results", member=h.sim.member("bob"), at=h.clock.now()))
    assert peek is not None and "revealed at the close" in peek.message.body

    await h.sim.command("admin", 'poll create "Pizza or sushi?" "Pizza, Sushi" duration=1d')
    live = last_post(h)
    await h.sim.press("alice", live.ref.id, "Sushi")
    shown = await h.sim.press("bob", live.ref.id, "Results")
    assert shown is not None and "Results so far" in (shown.message.title or "") and "Sushi `████████████` 1 (100%)" in shown.message.body


async def test_animator_lists_and_reads_results_and_closes_early(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "Best day for the meetup?" "Tuesday, Thursday" duration=3d')
    await h.sim.press("alice", last_post(h).ref.id, "Thursday")
    listing = await h.sim.command("admin", "poll list")
    assert "#1 (single choice) Best day for the meetup? — open until" in listing.message.body and listing.message.body.endswith("1 voter")
    results = await h.sim.command("admin", "poll results 1")
    assert results.ephemeral and results.message.image is not None and "Thursday" in results.message.body
    closed = await h.sim.command("admin", "poll close 1")
    assert "closed" in closed.message.body
    again = await h.sim.command("admin", "poll close 1")
    assert "already closed" in again.message.body
    assert "There is no poll #9" in (await h.sim.command("admin", "poll results 9")).message.body


async def test_home_view_lists_open_polls_and_whether_the_member_answered(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "Tea or coffee?" "Tea, Coffee" duration=1d')
    await h.sim.command("admin", "survey start nps duration=2d")
    await h.sim.press("alice", bot_posts(h)[-1].ref.id, "poll:2:9")  # type: ignore[union-attr]
    home = as_plain(await h.app.home(h.sim.member("alice")))  # as a plain-text platform shows it
    assert "#1 Tea or coffee? (until 2026-01-06 09:00): your answer is awaited" in home.body
    assert "✅ #2 How likely" in home.body
    await h.sim.command("admin", "poll close 1")
    assert "Tea or coffee" not in (await h.app.home(h.sim.member("alice"))).body


async def test_recurring_weekly_poll_is_posted_again_at_each_close(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'survey start csat duration=2d recurring=weekly')
    first = await poll_row(h, 1)
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(days=2, minutes=1))
    second = await poll_row(h, 2)
    assert second.recurrence == "weekly" and second.kind == "csat"
    assert second.closes_at == first.closes_at + timedelta(weeks=1)
    await h.sim.command("admin", "poll close 2 stop=yes")
    await h.app.scheduler.advance_to(h.clock.now() + timedelta(weeks=3))
    assert await h.scalar("select count(*) from polls") == 2


async def test_ready_surveys_come_from_the_prompt_pack_in_the_community_language(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", "survey start likert-belonging duration=2d")
    likert = await poll_row(h, 1)
    assert (likert.kind, likert.question, likert.anonymous) == ("likert", "I feel welcome and listened to in this community.", True)
    await h.sim.command("admin", "survey start next-event anonymous=no duration=2d")
    choice = await poll_row(h, 2)
    assert choice.kind == "single" and len(choice.options) >= 2 and not choice.anonymous
    await h.sim.command("admin", 'survey start nps question="Would you recommend our meetups?" duration=2d')
    assert (await poll_row(h, 3)).question == "Would you recommend our meetups?"
    await h.app.stop()
    config = make_config(db_url, communities=[{"platform": "simulation", "id": "sim", "timezone": "Europe/Paris", "locale": "fr"}])
    fr: Harness = await start_bot(config, clock=h.clock)
    await fr.sim.command("admin", "survey start csat duration=2d")
    assert "satisfaction" in (await poll_row(fr, 4)).question


async def test_open_feedback_stores_the_answer_text_only_for_that_survey(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'survey start open "What should we change?" duration=2d')
    msg = last_post(h)
    how = await h.sim.press("alice", msg.ref.id, "Answer")
    assert how is not None and "/poll answer 1" in how.message.body
    await h.sim.command("alice", "poll answer 1 More evening sessions")
    await h.sim.command("alice", "poll answer 1 More evening sessions, and a FAQ")  # replaces the first answer
    await h.sim.command("bob", "poll answer 1 Keep the Monday question")
    await h.sim.command("chloe", "poll answer 1 Nothing, it is great")  # three answers: open answers are shown from three
    refused = await h.sim.command("bob", "poll answer 1 " + "x" * 1001)
    assert "too long" in refused.message.body
    assert await h.scalar("select count(*) from poll_votes where text is not null") == 3
    await h.sim.command("admin", "poll close 1")
    assert "• Keep the Monday question" in last_post(h).text and "• More evening sessions, and a FAQ" in last_post(h).text


async def test_native_polls_are_used_where_the_platform_has_them_and_count_native_votes(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    h.sim.capabilities = h.sim.capabilities | {Capability.NATIVE_POLLS}
    await h.sim.command("admin", 'poll create "Where next?" "Paris, Lyon, Nantes" duration=2d')
    msg = last_post(h)
    assert msg.message is not None and msg.message.native_poll is not None and not msg.message.buttons
    assert msg.message.native_poll.hours == 48 and msg.message.native_poll.answers == ("Paris", "Lyon", "Nantes")
    alice, bob = h.sim.member("alice"), h.sim.member("bob")
    await h.app.dispatch(PollVoted(message=msg.ref, member=alice, choice=2, at=h.clock.now()))
    await h.app.dispatch(PollVoted(message=msg.ref, member=bob, choice=0, at=h.clock.now()))
    h.clock.advance(timedelta(minutes=1))
    await h.app.dispatch(PollVoted(message=msg.ref, member=bob, choice=0, removed=True, at=h.clock.now()))
    await h.app.dispatch(PollVoted(message=msg.ref, member=bob, choice=1, at=h.clock.now()))
    assert await ballots(h, 1) == [("alice", 2), ("bob", 1)]

    # anonymous polls, results at the close and polls longer than 32 days use buttons
    await h.sim.command("admin", 'poll create "Secret?" "Yes, No" anonymous=yes duration=1d')
    assert last_post(h).message.native_poll is None  # type: ignore[union-attr]
    reply = await h.sim.command("admin", 'poll create "Long?" "Yes, No" duration=40d')
    assert "32 days" in reply.message.body and last_post(h).message.native_poll is None  # type: ignore[union-attr]


async def test_polls_speak_french_in_a_french_community(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    config = make_config(db_url, communities=[{"platform": "simulation", "id": "sim", "timezone": "Europe/Paris", "locale": "fr"}])
    h: Harness = await start_bot(config)
    reply = await h.sim.command("admin", "survey start nps duration=2d")
    assert "Sondage n° 1 publié" in reply.message.body
    msg = last_post(h)
    assert "recommandiez" in msg.text and "Anonyme" in msg.text


async def test_after_a_restart_buttons_still_count_and_the_deadline_fires_once(start_bot, db_url) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "Keep the Friday call?" "Yes, No" duration=1d')
    poll_id = last_post(h).ref.id  # type: ignore[union-attr]
    await h.sim.command("admin", 'survey start csat duration=3d')
    old = {ref: posted for ref, posted in h.sim.messages.items()}
    await h.sim.press("alice", poll_id, "Yes")
    await h.app.stop()

    h2: Harness = await start_bot(make_config(db_url), clock=h.clock)
    h2.sim.messages.update(old)
    h2.sim._ids = itertools.count(100)
    await h2.sim.press("bob", poll_id, "No")
    await h2.sim.press("alice", poll_id, "No")
    assert await ballots(h2, 1) == [("alice", 1), ("bob", 1)]
    await h2.app.scheduler.advance_to(h.clock.now() + timedelta(days=1))
    assert len([p for p in bot_posts(h2) if "Results" in p.text]) == 1
    await h2.app.stop()

    # down while the survey's deadline passes: closed once at the next start, never again
    h.clock.advance(timedelta(days=5))
    h3: Harness = await start_bot(make_config(db_url), clock=h.clock)
    assert [p.message.title for p in bot_posts(h3) if p.message] == ["📊 Results: Overall, how satisfied are you with the community this month?"]
    await h3.app.stop()
    h4: Harness = await start_bot(make_config(db_url), clock=h.clock)
    await h4.app.scheduler.advance_to(h.clock.now() + timedelta(days=30))
    assert bot_posts(h4) == []


async def test_forgetme_erases_public_ballots(start_bot) -> None:  # type: ignore[no-untyped-def]
    h: Harness = await start_bot()
    await h.sim.command("admin", 'poll create "Tea or coffee?" "Tea, Coffee" duration=1d')
    await h.sim.press("alice", last_post(h).ref.id, "Tea")
    mine = await h.sim.command("alice", "mydata")
    assert "Votes in public polls: 1" in mine.message.body
    confirm = await h.sim.command("alice", "forgetme")
    await h.app.press(ButtonPressed(custom_id=confirm.message.buttons[0].custom_id, member=h.sim.member("alice"), at=h.clock.now()))
    assert await ballots(h, 1) == []
    assert isinstance(last_post(h).message, Message)
