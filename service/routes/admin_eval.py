"""Admin JSON routes of the 评测 page and the audit log: sets, runs in the background, their results."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ..deps import AuditDep, EvaluationsDep, require_admin
from ..evaluation.records import SET_NAME, EvalRun, EvalRunOut, EvalSetInfo
from ..schemas import ErrorOut
from ..staff.audit import API_ACTOR, AuditEntry

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 404, 409, 413, 422)
}
_JSONL_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


SetName = Annotated[str, Path(pattern=f"^{SET_NAME.pattern}$", description="题集名")]


class NewQuestion(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    chunk_id: str = Field(default="", max_length=200, description="the clause it should find")
    doc_id: str = Field(default="", max_length=200)


class NewRun(BaseModel):
    set: str = Field(min_length=1, max_length=64, description="a set's name from GET /admin/eval/sets")


@router.get("/eval/sets", responses=_ERRORS, summary="评测题集：配置目录中的自带题集和保存在状态库中的题集")
def eval_sets(evaluations: EvaluationsDep) -> list[EvalSetInfo]:
    return evaluations.sets()


@router.put(
    "/eval/sets/{name}",
    responses=_ERRORS,
    openapi_extra=_JSONL_BODY,
    summary="上传题集（请求体为 JSON Lines 文本，逐行校验；同名已保存题集被替换）",
)
async def put_eval_set(
    name: SetName, request: Request, evaluations: EvaluationsDep, audit: AuditDep
) -> EvalSetInfo:
    data = await request.body()
    stored = await run_in_threadpool(evaluations.upload, name, data)
    audit.record(API_ACTOR, "eval.set", name, f"{stored.questions} 题")
    return stored


@router.post(
    "/eval/sets/{name}/questions",
    status_code=201,
    responses=_ERRORS,
    summary="向题集追加一题（不存在则创建）",
)
def add_eval_question(
    name: SetName, body: NewQuestion, evaluations: EvaluationsDep, audit: AuditDep
) -> dict[str, Any]:
    added = evaluations.add_question(name, body.question, chunk_id=body.chunk_id, doc_id=body.doc_id)
    audit.record(API_ACTOR, "eval.question", name, body.question[:100])
    return added


@router.post(
    "/eval/runs",
    status_code=202,
    responses=_ERRORS,
    summary="后台运行一次评测",
)
def start_eval(body: NewRun, evaluations: EvaluationsDep, audit: AuditDep) -> EvalRun:
    run = evaluations.start(body.set, actor=API_ACTOR)
    audit.record(API_ACTOR, "eval.run", body.set, run.id)
    return run


@router.get("/eval/runs", responses=_ERRORS, summary="评测记录（最新在前）")
def eval_runs(
    evaluations: EvaluationsDep,
    set: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[EvalRun]:
    return evaluations.runs(set_name=set, limit=limit)


@router.get("/eval/runs/{run_id}", responses=_ERRORS, summary="一次评测：指标、每题结果、与上次相比的变化")
def eval_run(run_id: str, evaluations: EvaluationsDep) -> EvalRunOut:
    return evaluations.run(run_id)


@router.get("/audit", responses=_ERRORS, summary="管理操作审计日志（谁、何时、做了什么、对象），最新在前")
def audit_log(
    audit: AuditDep,
    actor: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AuditEntry]:
    return audit.recent(limit=limit, offset=offset, actor=actor, action=action)
