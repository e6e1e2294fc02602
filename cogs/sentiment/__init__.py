"""Sentiment of the conversation and themes of open answers (optional `nlp` extra).

Posts are scored in batches off the event loop; only the score is stored, on the post's
interaction row. The KPI and the digest section come from `storage.sentiment` and `render`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field as PydField

from bot.cog import Cog, CogContext, CogSettings, command, listen
from bot.commands import Access
from bot.core.events import CommandInvoked, MessagePosted
from bot.core.message import Message
from bot.core.refs import CommunityRef, MemberRef
from bot.core.tasks import cancel_and_wait
from bot.nlp.sentiment import MODELS, BackendSpec, BackendUnavailable, SharedBackend
from bot.nlp.themes import Theme, themes_for
from cogs.sentiment.queue import Job, ScoringQueue
from cogs.sentiment.render import pct, sentiment_fields, signed, theme_fields
from storage.models import InteractionKind
from storage.sentiment import ScoreRow, SentimentKpi, open_feedback_texts, sentiment_kpi, store_scores, stored_texts

SUMMARY_WAIT = 3.0
"""Seconds the demo's summary waits for the posts still being scored."""
COMMAND_WAIT = 1.0
"""Seconds `/sentiment` waits for the posts still being scored (platforms want an answer within 3 s)."""


class SentimentSettings(CogSettings):
    """`[cogs.sentiment]`: the backend and model are process-wide; `enabled` may differ per community."""

    enabled: bool = True
    backend: Literal["auto", "embedding", "transformers", "off"] = "auto"
    model: str | None = None
    head: str | None = None
    labels: dict[str, Literal["positive", "neutral", "negative"]] = PydField(default_factory=dict)
    device: int = -1
    threads: int | None = PydField(default=1, ge=1, le=256)
    batch_size: int = PydField(default=16, ge=1, le=512)
    queue_size: int = PydField(default=2000, ge=1, le=1_000_000)
    min_chars: int = PydField(default=3, ge=0, le=1000)
    max_themes: int = PydField(default=5, ge=2, le=12)


def week_of(now: datetime, tz: Any) -> tuple[datetime, datetime]:
    """The ISO week `[Monday 00:00, next Monday 00:00)` containing `now`, in a timezone."""
    local = now.astimezone(tz)
    start = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=7)


class SentimentCog(Cog):
    """Scores posts' sentiment, reports it (KPI, digest section, /sentiment) and groups open answers into themes."""

    name = "sentiment"
    Settings = SentimentSettings

    def __init__(self, ctx: CogContext) -> None:
        super().__init__(ctx)
        self.settings: SentimentSettings = ctx.settings(SentimentSettings)
        self.spec = BackendSpec(self.settings.backend, self.settings.model, self.settings.head, self.settings.device,
                                self.settings.threads, tuple(sorted(self.settings.labels.items())))
        self.backend: SharedBackend | None = None
        self.reason: str | None = "the sentiment model is still loading"
        self.code: str | None = "loading"
        self.queue = ScoringQueue(self._score, self._store, maxsize=self.settings.queue_size, batch_size=self.settings.batch_size,
                                  flush=ctx.recorder.flush)
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        """Start loading the model and scoring in the background (the bot does not wait for the model)."""
        if self.spec.resolved() == "off":
            self._turn_off(BackendUnavailable(
                "sentiment is off in the configuration" if self.spec.backend == "off" else "the nlp extra is not installed"
            ), "off" if self.spec.backend == "off" else "no_extra", level="info")
            return
        self._task = asyncio.create_task(self._run(), name="sentiment-scoring")

    async def _run(self) -> None:
        try:
            self.backend = await self._load()
        except BackendUnavailable as err:
            self._turn_off(err, "failed")
            return
        except Exception as err:  # a model folder can break in ways nobody listed
            self._turn_off(BackendUnavailable(f"{type(err).__name__}: {err}"), "failed")
            return
        self.reason = self.code = None
        self.ready.set()
        self.ctx.log.info("sentiment: %s backend ready", self.backend.name)
        await self.queue.run()

    async def _load(self) -> SharedBackend:
        """Load the model in a daemon thread: stopping the bot never waits for torch to finish importing."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[SharedBackend] = loop.create_future()

        def settle(result: SharedBackend | None, error: BaseException | None) -> None:
            if done.done():
                return
            if error is not None:
                done.set_exception(error)
            else:
                done.set_result(result)  # type: ignore[arg-type]

        def work() -> None:
            try:
                result, error = MODELS.get(self.spec), None
            except BaseException as err:  # handed to the event loop, which decides
                result, error = None, err
            try:
                loop.call_soon_threadsafe(settle, result, error)
            except RuntimeError:  # the loop is closed: the bot stopped meanwhile
                pass

        threading.Thread(target=work, name="sentiment-model-load", daemon=True).start()
        return await done

    def _turn_off(self, err: BackendUnavailable, code: str, *, level: str = "warning") -> None:
        self.reason, self.code = str(err), code
        self.backend = None
        dropped = self.queue.discard()
        getattr(self.ctx.log, level)("sentiment disabled, the bot runs on without it: %s", err)
        if dropped:
            self.ctx.log.info("sentiment: dropped the scoring of %d queued posts", dropped)
        self.ready.set()

    async def stop(self) -> None:
        """Stop scoring; posts still queued are left unscored."""
        await cancel_and_wait(self._task)
        self._task = None
        self.queue.discard()

    async def drain(self) -> None:
        """Wait for the model and for every queued post to be scored and stored."""
        await self.ready.wait()
        if self.backend is not None:
            await self.queue.drain()

    async def settle(self) -> None:
        """Posts queued so far are scored before simulated time moves on (the model cannot keep up with a compressed clock)."""
        await self.drain()

    # --- scoring ----------------------------------------------------------------------------
    def _score(self, texts: Sequence[str]) -> list[float]:
        backend = self.backend
        if backend is None:
            raise BackendUnavailable(self.reason or "no backend")
        return backend.score(texts)

    async def _store(self, rows: list[ScoreRow]) -> list[ScoreRow]:
        # rows the recorder has not written yet come back and are retried a moment later; the recorder is
        # never flushed from here, so when other cogs see rows does not depend on the model's speed
        return await store_scores(self.ctx.db, rows)

    @listen(MessagePosted)
    async def on_message(self, event: MessagePosted) -> None:
        """Queue a human post for scoring (never waits; drops the scoring when the queue is full)."""
        if self.code not in (None, "loading") or event.author.bot:
            return
        text = event.text.strip()
        if len(text) < self.settings.min_chars or not self.ctx.settings(SentimentSettings, event.community).enabled:
            return
        cid = await self.ctx.directory.community_id(event.community)
        kind = InteractionKind.REPLY if event.reply_to is not None else InteractionKind.MESSAGE
        self.queue.offer(Job(cid, kind.value, event.message.id, text))

    # --- reporting ----------------------------------------------------------------------------
    async def kpi(self, community: CommunityRef, start: datetime, end: datetime) -> SentimentKpi:
        """The `sentiment` KPI of a community for `[start, end)` (null with a reason when off)."""
        cid = await self.ctx.directory.community_id(community)
        off = self.reason if self.code not in (None, "loading") else None
        return await sentiment_kpi(self.ctx.db, cid, start, end, off_reason=off, off_code=self.code or "off")

    async def themes(self, community: CommunityRef, start: datetime, end: datetime, texts: list[str] | None = None) -> list[Theme]:
        """Themes of the period's open answers: open-feedback surveys closed in it, stored prompt answers, `texts`."""
        cid = await self.ctx.directory.community_id(community)
        found = await open_feedback_texts(self.ctx.db, cid, start, end) + await stored_texts(self.ctx.db, cid, start, end) + list(texts or [])
        if not found:
            return []
        backend = self.backend
        embed = None
        if backend is not None and backend.encoder is not None:
            encoder: Any = backend.encoder

            def embed(texts: Sequence[str]) -> Any:
                return backend.locked(encoder.encode, texts)

        return await asyncio.to_thread(themes_for, found, embed, max_themes=self.settings.max_themes)

    async def section(self, community: CommunityRef, start: datetime, end: datetime, locale: str | None = None) -> list[Any]:
        """The digest's fields: the sentiment section, then the themes (when there are any)."""
        loc = locale or self.ctx.locale(community)

        def t(key: str, **params: Any) -> str:
            return self.ctx.t(loc, key, **params)

        kpi = await self.kpi(community, start, end)
        return sentiment_fields(kpi, community, t, locale=loc) + theme_fields(await self.themes(community, start, end), t, loc)

    @command("sentiment", {"en": "Mood of the community this week, and where to step in", "fr": "L'humeur de la communauté cette semaine, et où intervenir"},
             access=Access.STAFF)
    async def sentiment_command(self, invocation: CommandInvoked) -> Message:
        """`/sentiment`: this week's mood section, for animators and managers."""
        if self.backend is not None:  # posts just written are counted when the worker is quick enough
            try:
                await asyncio.wait_for(self.queue.drain(), COMMAND_WAIT)
            except TimeoutError:
                pass
        await self.ctx.recorder.flush()
        start, end = week_of(self.ctx.clock.now(), self.ctx.config.timezone_of(invocation.community))
        loc = invocation.locale or self.ctx.locale(invocation.community)
        fields = await self.section(invocation.community, start, end, loc)
        return Message(title=self.ctx.t(loc, "sentiment.command.title", week=start.date().isoformat()), fields=tuple(fields))

    async def home_lines(self, member: MemberRef, access: Access) -> list[str]:
        """For animators and managers: this week's mood in one line (nothing for members)."""
        if not access & Access.STAFF:
            return []
        community = member.community
        start, end = week_of(self.ctx.clock.now(), self.ctx.config.timezone_of(community))
        kpi = await self.kpi(community, start, end)
        if kpi.value is None:
            return []
        v = kpi.value
        return [self.ctx.t(community, "sentiment.summary.home", positive=pct(v["positive"]), neutral=pct(v["neutral"]),
                           negative=pct(v["negative"]), mean=signed(v["mean"]))]

    async def summary(self, community: CommunityRef) -> list[str]:
        """Lines for the demo: the backend, what the queue did, and the mood of the last 7 days."""
        if self.backend is None:
            key = f"sentiment.reason.{self.code or 'off'}"
            return [self.ctx.t(community, "sentiment.summary.off", reason=self.ctx.t(community, key), waiting=self.queue.queue.qsize())]
        try:  # give the worker a moment to finish the last posts
            await asyncio.wait_for(self.queue.drain(), SUMMARY_WAIT)
        except TimeoutError:
            pass
        s = self.queue.stats
        lines = [self.ctx.t(community, "sentiment.summary.on", backend=self.backend.name, scored=s.scored, dropped=s.dropped)]
        now = self.ctx.clock.now()
        kpi = await self.kpi(community, now - timedelta(days=7), now)
        if kpi.value is not None:
            v = kpi.value
            lines.append(self.ctx.t(community, "sentiment.summary.mood", positive=pct(v["positive"]), neutral=pct(v["neutral"]),
                                    negative=pct(v["negative"]), mean=signed(v["mean"])))
        return lines


def setup(ctx: CogContext) -> SentimentCog:
    """Create the sentiment cog."""
    return SentimentCog(ctx)
