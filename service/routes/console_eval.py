"""The console's 评测 page: question sets, a run in the background with progress, metrics, differences."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import IpbotError

from ..deps import AuditDep, EvaluationsDep, JobsDep
from ..errors import classify
from ..evaluation.runner import NOT_WIRED
from ..staff.roles import AdminPosting, back_to
from ..staff.web import ConsoleDep, PostingViewer, Viewer, ViewerDep

router = APIRouter(prefix="/console", include_in_schema=False)
METRICS = {
    "hit@1": "首位命中率",
    "hit@5": "前五命中率",
    "mrr": "MRR",
    "citation_hit": "引用命中率",
    "fact_recall": "事实召回率",
    "false_refusal_rate": "误拒率",
    "refusal_accuracy": "应拒答时拒答",
    "unsupported_number_answers": "无出处数字的回答数",
    "answerable": "可答题数",
    "unanswerable": "应拒答题数",
}


def _page(
    request: Request, console: ConsoleDep, viewer: Viewer, evaluations: EvaluationsDep, **extra: Any
) -> Response:
    status = extra.pop("status", 200)
    context = viewer.context(
        page="eval",
        sets=evaluations.sets(),
        runs=evaluations.runs(limit=30),
        enabled=evaluations.enabled,
        not_wired=NOT_WIRED,
        metric_names=METRICS,
        **{"error": "", "notice": "", **extra},
    )
    return console.page(request, "eval.html", context, status=status)


def _failed(
    request: Request, console: ConsoleDep, viewer: Viewer, evaluations: EvaluationsDep, exc: IpbotError
) -> Response:
    return _page(request, console, viewer, evaluations, error=str(exc), status=classify(exc)[0])


@router.get("/eval")
async def eval_page(
    request: Request, viewer: ViewerDep, console: ConsoleDep, evaluations: EvaluationsDep
) -> Response:
    return await run_in_threadpool(_page, request, console, viewer, evaluations)


@router.post("/eval/runs")
def start_run(
    request: Request,
    viewer: AdminPosting,
    console: ConsoleDep,
    evaluations: EvaluationsDep,
    audit: AuditDep,
    set_name: Annotated[str, Form(alias="set", max_length=64)],
) -> Response:
    try:
        run = evaluations.start(set_name, actor=viewer.user.name)
    except IpbotError as exc:
        return _failed(request, console, viewer, evaluations, exc)
    audit.record(viewer.user.name, "eval.run", set_name, run.id)
    return RedirectResponse(f"/console/eval/runs/{run.id}", status_code=303)


@router.get("/eval/runs/{run_id}")
def run_page(
    request: Request,
    run_id: str,
    viewer: ViewerDep,
    console: ConsoleDep,
    evaluations: EvaluationsDep,
    jobs: JobsDep,
) -> Response:
    """A run: progress while it runs (htmx polls the fragment), then metrics and the differences."""
    try:
        run = evaluations.run(run_id)
    except IpbotError as exc:
        return _failed(request, console, viewer, evaluations, exc)
    job = evaluations.progress(run) if run.state == "running" else None
    context = viewer.context(page="eval", run=run, job=job, metric_names=METRICS)
    partial = bool(request.headers.get("HX-Request"))
    return console.page(request, "eval_run_body.html" if partial else "eval_run.html", context)


@router.post("/eval/sets")
async def upload_set(
    request: Request,
    viewer: AdminPosting,
    console: ConsoleDep,
    evaluations: EvaluationsDep,
    audit: AuditDep,
    name: Annotated[str, Form(max_length=64)],
    file: Annotated[UploadFile, File()],
) -> Response:
    """A .jsonl set, checked line by line; stored (replacing a stored set of that name)."""
    data = await file.read()
    try:
        stored = await run_in_threadpool(evaluations.upload, name.strip(), data)
    except IpbotError as exc:
        return _failed(request, console, viewer, evaluations, exc)
    audit.record(viewer.user.name, "eval.set", stored.name, f"{stored.questions} 题")
    notice = f"已保存题集 {stored.name}（{stored.questions} 题）"
    return _page(request, console, viewer, evaluations, notice=notice)


@router.post("/eval/sets/{name}/questions")
def add_question(
    request: Request,
    name: str,
    viewer: PostingViewer,
    console: ConsoleDep,
    evaluations: EvaluationsDep,
    audit: AuditDep,
    question: Annotated[str, Form(max_length=2000)],
    chunk_id: Annotated[str, Form(max_length=200)] = "",
    doc_id: Annotated[str, Form(max_length=200)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    """Append a question (and the clause it should find) to a stored set, creating it; reviewers may too.
    htmx requests get a one-line confirmation; forms return to `next` (a console path) or the page."""
    try:
        added = evaluations.add_question(name, question, chunk_id=chunk_id.strip(), doc_id=doc_id.strip())
    except IpbotError as exc:
        if request.headers.get("HX-Request"):
            return Response(str(exc), status_code=classify(exc)[0], media_type="text/plain; charset=utf-8")
        return _failed(request, console, viewer, evaluations, exc)
    audit.record(viewer.user.name, "eval.question", name, question[:100])
    if request.headers.get("HX-Request"):
        return Response(f"已加入题集 {name}（{added['id']}）", media_type="text/plain; charset=utf-8")
    return RedirectResponse(back_to(next_url, "/console/eval"), status_code=303)
