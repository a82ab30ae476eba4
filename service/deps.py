"""What routes receive: the app's services as named `Annotated` dependencies; admin and rate checks."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .answers import Answerer
from .documents import Library
from .errors import RateLimitedError
from .evaluation.runner import Evaluations
from .jobs import Jobs
from .logbook.curated import CuratedStore
from .logbook.records import Logbook
from .metrics import Metrics
from .ratelimit import RateLimiter
from .schemas import ChatRequest, Readiness
from .settings import ServiceSettings
from .staff.audit import Audit
from .switches import Switchboard
from .wechat.webhook import Webhook

if TYPE_CHECKING:
    from .staff.web import Console


@dataclass(frozen=True)
class Services:
    """Everything the routes use, built once by create_app."""

    settings: ServiceSettings
    answerer: Answerer
    library: Library
    metrics: Metrics
    jobs: Jobs
    ready: Callable[[], Readiness]
    ip_limit: RateLimiter
    user_limit: RateLimiter
    webhooks: dict[str, Webhook]
    logbook: Logbook
    curated: CuratedStore
    switches: Switchboard
    audit: Audit
    evaluations: Evaluations
    console: Console | None = None  # the staff console (only with ADMIN_TOKEN)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_answerer(services: ServicesDep) -> Answerer:
    return services.answerer


def get_library(services: ServicesDep) -> Library:
    return services.library


def get_metrics(services: ServicesDep) -> Metrics:
    return services.metrics


def get_logbook(services: ServicesDep) -> Logbook:
    return services.logbook


def get_jobs(services: ServicesDep) -> Jobs:
    return services.jobs


def get_switches(services: ServicesDep) -> Switchboard:
    return services.switches


def get_audit(services: ServicesDep) -> Audit:
    return services.audit


def get_evaluations(services: ServicesDep) -> Evaluations:
    return services.evaluations


SwitchesDep = Annotated[Switchboard, Depends(get_switches)]
AuditDep = Annotated[Audit, Depends(get_audit)]
EvaluationsDep = Annotated[Evaluations, Depends(get_evaluations)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
LogbookDep = Annotated[Logbook, Depends(get_logbook)]
LibraryDep = Annotated[Library, Depends(get_library)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
JobsDep = Annotated[Jobs, Depends(get_jobs)]

_bearer = HTTPBearer(auto_error=False, description="ADMIN_TOKEN")


def require_admin(
    services: ServicesDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """401 unless the request carries `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time)."""
    given = credentials.credentials.encode("utf-8") if credentials else b""
    expected = services.settings.admin_token.encode("utf-8")
    if not expected or not hmac.compare_digest(given, expected):
        raise HTTPException(401, headers={"WWW-Authenticate": "Bearer"})


def _take(limiter: RateLimiter, key: str, scope: str, metrics: Metrics) -> None:
    wait = limiter.check(key)
    if wait:
        metrics.rate_limited.inc(scope)
        raise RateLimitedError(f"请求太频繁：请 {wait} 秒后再试", retry_after=wait)


def limit_chat(request: Request, body: ChatRequest, services: ServicesDep) -> None:
    """Per-IP and per-session rate limits for the chat routes (429 with Retry-After)."""
    ip = request.client.host if request.client else "unknown"
    _take(services.ip_limit, ip, "ip", services.metrics)
    if body.session_id:
        _take(services.user_limit, f"api:{body.session_id}", "user", services.metrics)


ChatLimited = Depends(limit_chat)


def limit_ip(request: Request, services: ServicesDep) -> None:
    """The chat routes' per-IP rate limit, for the other public POST routes (feedback, console login)."""
    ip = request.client.host if request.client else "unknown"
    _take(services.ip_limit, ip, "ip", services.metrics)


IpLimited = Depends(limit_ip)


def get_webhook(channel: str, services: ServicesDep) -> Webhook:
    """The webhook of a configured channel; 404 when its WECHAT_* settings are absent."""
    webhook = services.webhooks.get(channel)
    if webhook is None:
        raise HTTPException(404, f"微信通道 {channel} 未配置：请设置 WECHAT_{channel.upper()}_* 变量")
    return webhook


WebhookDep = Annotated[Webhook, Depends(get_webhook)]
