"""The FastAPI app factory: `create_app(settings)` wires the bot, the index and the WeChat webhooks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from functools import partial

import anyio.to_thread
import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import console as console_files
from app.wiring import build_assistant, open_index
from bot.assistant import Assistant
from bot.refusal import load_thresholds
from bot.sessions import DAY_S, SessionStore
from core.errors import IpbotError
from core.records import Answer, Chunk, Hit
from vectorstore.guard import StoreState
from vectorstore.index import Index

from .answers import Answerer, AnswerSource
from .curated_first import CuratedFirst, curated_answers
from .degrade import DegradationAware
from .deps import Services
from .documents import Library
from .errors import install_error_handlers
from .evaluation.records import Evaluator
from .evaluation.runner import Evaluations
from .evaluation.store import EvalStore
from .gate import IndexGate
from .index_reader import IndexReader
from .jobs import Job, Jobs
from .limits import BodyLimitMiddleware
from .logbook.records import Logbook
from .logbook.sqlite import SqliteLogbook
from .metrics import Metrics, MetricsMiddleware
from .ratelimit import RateLimiter
from .readiness import readiness, watch_store
from .routes import (
    admin,
    admin_log,
    apidocs,
    chat,
    console_curated,
    curated,
    documents,
    feedback,
    health,
    staff_routes,
    volunteer,
    wechat,
)
from .routes import console as console_pages
from .schemas import document_limits
from .settings import MIN_ADMIN_TOKEN_CHARS, ServiceSettings, WeChatAccount
from .staff.audit import Audit
from .staff.users import UserStore
from .staff.web import Console, build_console, install_login_redirect
from .switches import Switchboard
from .volunteer.desk import Desk
from .volunteer.events import EventStore
from .wechat.api import WeChatApi
from .wechat.crypto import WeChatCrypto
from .wechat.inbound import Account
from .wechat.store import MessageStore
from .wechat.webhook import Channel, Webhook

log = logging.getLogger(__name__)

BODY_BYTES = 64 * 1024  # chat questions and WeChat pushes alike
WECHAT_HTTP_TIMEOUT_S = 5.0
STATE_FILE = "state.sqlite"
SESSION_PRUNE_EVERY_S = 3600.0
LOG_PRUNE_EVERY_S = 3600.0


async def _prune_sessions(sessions: SessionStore, idle_s: float, metrics: Metrics) -> None:
    """Delete idle conversations now and then every hour (a start-up hook; cancelled at shutdown)."""
    while True:
        try:
            deleted = await anyio.to_thread.run_sync(sessions.prune, idle_s)
            metrics.sessions_pruned.inc(amount=deleted)
            if deleted:
                log.info("deleted %d conversation turns idle over %.0f days", deleted, idle_s / DAY_S)
        except Exception:
            log.exception("pruning idle conversations failed")
        await asyncio.sleep(SESSION_PRUNE_EVERY_S)


async def _prune_log(logbook: Logbook, retention_days: int, clock: Callable[[], float]) -> None:
    """Delete log entries past their retention now and then every hour (cancelled at shutdown)."""
    while True:
        try:
            deleted = await anyio.to_thread.run_sync(
                partial(logbook.prune, retention_days * DAY_S, now=clock())
            )
            if deleted:
                log.info("deleted %d log entries older than %d days", deleted, retention_days)
        except Exception:
            log.exception("pruning the conversation log failed")
        await asyncio.sleep(LOG_PRUNE_EVERY_S)


def _console(settings: ServiceSettings) -> Console | None:
    """The staff console: served with the admin routes, its sessions signed with a key from ADMIN_TOKEN."""
    if not settings.admin_enabled:
        return None
    users = UserStore(settings.bot.data_dir / STATE_FILE)
    return build_console(
        users,
        admin_token=settings.admin_token,
        secure_cookie=settings.console_secure_cookie,
        threshold=load_thresholds(settings.bot.calibration_path).evidence,
    )


def _evaluations(
    settings: ServiceSettings,
    *,
    source: AnswerSource,
    searcher: Assistant,
    jobs: Jobs,
    gate: IndexGate,
    evaluator: Evaluator | None,
    lookup: Callable[[str], Chunk | None],
    clock: Callable[[], float],
) -> Evaluations:
    """The 评测 page's runs: the users' answers and the assistant's ranking, outside the conversation log."""

    def answer(question: str) -> Answer:
        return source.answer(question)

    def search(question: str) -> list[Hit]:
        return searcher.search(question, 10)

    return Evaluations(
        store=EvalStore(settings.bot.data_dir / STATE_FILE, clock=clock),
        jobs=jobs,
        gate=gate,
        evaluator=evaluator,
        search=search,
        answer=answer,
        lookup=lookup,
        folder=settings.eval_dir,
        clock=clock,
    )


def _webhooks(
    settings: ServiceSettings,
    *,
    http: httpx.AsyncClient,
    answerer: Answerer,
    metrics: Metrics,
    clock: Callable[[], float],
) -> dict[str, Webhook]:
    accounts: list[tuple[Channel, WeChatAccount | None]] = [("mp", settings.mp), ("mini", settings.mini)]
    configured = [(channel, account) for channel, account in accounts if account is not None]
    if not configured:
        return {}
    store = MessageStore(settings.bot.data_dir / STATE_FILE, clock=clock, lease_s=settings.wechat_lease_s)
    user_limit = RateLimiter(settings.rate_per_user)
    return {
        channel: Webhook(
            channel=channel,
            account=Account(
                token=account.token,
                crypto=WeChatCrypto(
                    token=account.token, encoding_aes_key=account.aes_key, appid=account.appid
                ),
            ),
            api=WeChatApi(
                http=http, base_url=settings.wechat_api_base, appid=account.appid, secret=account.secret
            ),
            store=store,
            answerer=answerer,
            metrics=metrics,
            user_limit=user_limit,
            passive_reply_s=settings.passive_reply_s,
            sec_check=settings.wechat_sec_check,
            clock=clock,
        )
        for channel, account in configured
    }


def _vector_upkeep(index: Index, library: Library, jobs: Jobs, metrics: Metrics) -> Callable[[], None]:
    """Repair vectors when the store comes back (a restarted server may have lost them); the returned
    function runs the start-up check: counts and checksum, and a full repair only when they differ."""

    def on_change(state: StoreState) -> None:
        watch_store(state, metrics)
        if state.up:
            check()

    def check() -> None:
        jobs.start("reconcile", lambda report: asdict(library.reconcile_if_needed(report)))

    index.vectors.guard.watch(on_change)
    return check


def _announce(settings: ServiceSettings, webhooks: dict[str, Webhook]) -> None:
    if settings.admin_enabled:
        log.info("admin routes enabled under /admin")
    else:
        log.warning(
            "admin routes disabled: ADMIN_TOKEN is not set (set it to %d+ random characters to enable them)",
            MIN_ADMIN_TOKEN_CHARS,
        )
    for channel in ("mp", "mini"):
        state = "enabled" if channel in webhooks else f"off (WECHAT_{channel.upper()}_* not set)"
        log.info("WeChat channel /wechat/%s: %s", channel, state)


def _count_job(job: Job, metrics: Metrics) -> None:
    metrics.jobs.inc(job.kind, job.state.value)
    if job.kind == "reconcile" and job.result:
        metrics.vector_repairs.inc("restored", amount=float(job.result.get("restored", 0)))
        metrics.vector_repairs.inc("deleted", amount=float(job.result.get("removed", 0)))


def create_app(
    settings: ServiceSettings,
    *,
    assistant: AnswerSource | None = None,
    index: Index | None = None,
    logbook: Logbook | None = None,
    evaluator: Evaluator | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The app over `settings`; tests may inject a ready `index` or `assistant` (the caller then owns it).

    The conversation log is kept in the state store unless another `logbook` is given; `evaluator`
    runs the 评测 page (`ipbot serve` passes `ipbot eval`'s; without one the page says so)."""
    for noisy in ("httpx", "httpcore"):  # their request logs carry the access_token in URLs
        logging.getLogger(noisy).setLevel(logging.WARNING)
    owns_index = index is None
    index = index if index is not None else open_index(settings.bot)
    bot = assistant if assistant is not None else build_assistant(settings.bot, index)
    source = DegradationAware(bot)
    metrics = Metrics()
    gate = IndexGate()
    logbook = logbook if logbook is not None else SqliteLogbook(settings.bot.data_dir / STATE_FILE)
    library = Library(
        index=index, gate=gate, data_dir=settings.bot.data_dir, corpus_dir=settings.bot.corpus_dir
    )
    jobs = Jobs(on_finish=lambda job: _count_job(job, metrics))
    check_vectors = _vector_upkeep(index, library, jobs, metrics)
    reader = IndexReader(index, gate)
    curated_store = curated_answers(settings.bot.data_dir / STATE_FILE, reader, clock=clock)
    answerer = Answerer(
        source=source,
        gate=gate,
        workers=settings.answer_workers,
        max_question_chars=settings.max_question_chars,
        metrics=metrics,
        logbook=logbook,
        curated=CuratedFirst(store=curated_store, switched_off=reader.switched_off),
        clock=clock,
    )
    http = httpx.AsyncClient(timeout=httpx.Timeout(WECHAT_HTTP_TIMEOUT_S))
    webhooks = _webhooks(settings, http=http, answerer=answerer, metrics=metrics, clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _announce(settings, webhooks)
        check_vectors()  # in the background: answers start at once, from whatever vectors there are
        # Load the embedding model now, so the first WeChat question fits in the passive-reply window.
        # An embedding server that is down, or not the index's embedder, is told at once; questions then
        # get the same message as their error.
        try:
            await anyio.to_thread.run_sync(index.embed_query, "知识产权")
        except IpbotError as exc:
            log.warning("embedder not usable yet: %s", exc)
        # The outbox sweeps take over answers and sends a crashed process left behind.
        sessions = SessionStore(settings.bot.data_dir / STATE_FILE)
        idle_s = settings.bot.session_idle_days * DAY_S
        upkeep = [asyncio.create_task(w.outbox.run()) for w in webhooks.values()]
        upkeep.append(asyncio.create_task(_prune_sessions(sessions, idle_s, metrics)))
        upkeep.append(asyncio.create_task(_prune_log(logbook, settings.log_retention_days, clock)))
        try:
            yield
        finally:
            for task in upkeep:
                task.cancel()
            await asyncio.gather(*upkeep, return_exceptions=True)
            for webhook in webhooks.values():
                await webhook.drain()
            await http.aclose()
            if owns_index:
                index.close()

    app = FastAPI(
        title="ipbot 知识产权政策问答",
        description="上海知识产权政策问答：引用条款回答、政策文件全文、微信公众号与小程序客服消息。",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by routes/apidocs.py from vendored files
        redoc_url=None,
    )
    app.state.volunteer = Desk(
        events=EventStore(settings.bot.data_dir / STATE_FILE, clock=clock),
        limiter=RateLimiter(settings.rate_per_event),
        curated=curated_store,
        docs=reader.document,
        channel=settings.bot.service_channel,
        secure_cookie=settings.console_secure_cookie,
        clock=clock,
    )
    app.state.services = Services(
        settings=settings,
        answerer=answerer,
        library=library,
        metrics=metrics,
        jobs=jobs,
        ready=lambda: readiness(
            index=index,
            state_path=settings.bot.data_dir / STATE_FILE,
            model_url=settings.bot.llm_base_url,
            metrics=metrics,
        ),
        ip_limit=RateLimiter(settings.rate_per_ip),
        user_limit=RateLimiter(settings.rate_per_user),
        webhooks=webhooks,
        logbook=logbook,
        console=_console(settings),
        curated=curated_store,
        switches=Switchboard(index=index, gate=gate, clock=clock),
        audit=Audit(settings.bot.data_dir / STATE_FILE, clock=clock),
        evaluations=_evaluations(
            settings,
            source=bot,
            searcher=bot if isinstance(bot, Assistant) else build_assistant(settings.bot, index),
            jobs=jobs,
            gate=gate,
            evaluator=evaluator,
            lookup=reader.clause,
            clock=clock,
        ),
    )
    install_error_handlers(app)
    install_login_redirect(app)
    uploads = staff_routes.upload_limits(settings.max_upload_bytes) if settings.admin_enabled else {}
    app.add_middleware(BodyLimitMiddleware, default=BODY_BYTES, prefixes=uploads)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    public = (
        chat.router,
        feedback.router,
        curated.public_router,
        documents.router,
        health.router,
        wechat.router,
        apidocs.router,
        volunteer.router,
    )
    app.mount("/static", StaticFiles(directory=console_files.STATIC), name="static")
    for router in public:
        app.include_router(router)
    if settings.admin_enabled:
        app.include_router(admin.router)
        app.include_router(admin_log.router)
        app.include_router(curated.admin_router)
        app.include_router(console_pages.router)
        app.include_router(volunteer.admin_router)
        for router in staff_routes.ROUTERS:
            app.include_router(router)
        app.include_router(console_curated.router)
    document_limits(app, max_question_chars=settings.max_question_chars)
    return app
