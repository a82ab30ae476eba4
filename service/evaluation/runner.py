"""The 评测 page's operations: list and add question sets, run one in the background, compare runs."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.errors import InputError
from core.records import Answer, Chunk, Hit

from ..errors import ConflictError, NotFoundError
from ..gate import IndexGate
from ..jobs import Job, Jobs, Report
from .records import EvalRun, EvalRunOut, EvalSetInfo, Evaluator, check_set_name, difference
from .store import EvalStore

log = logging.getLogger(__name__)

SPAN_CHARS = 60  # the expected clause is recognised by the first characters of its text
JOB_KIND = "eval"
NOT_WIRED = "评测未启用：请用 `ipbot serve` 启动服务（评测工具由命令行接入，服务本身不含评测代码）"


class Evaluations:
    """Sets come from a configured folder (bundled, read-only) and the state store (uploaded or built
    from the console); runs go through the jobs, one at a time, and are kept in the state store."""

    def __init__(
        self,
        *,
        store: EvalStore,
        jobs: Jobs,
        gate: IndexGate,
        evaluator: Evaluator | None,
        search: Callable[[str], Sequence[Hit]],
        answer: Callable[[str], Answer],
        lookup: Callable[[str], Chunk | None],
        folder: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._gate = gate
        self._evaluator = evaluator
        self._search = search
        self._answer = answer
        self._lookup = lookup
        self._folder = folder
        self._clock = clock
        abandoned = store.abandon_running()
        if abandoned:
            log.warning("%d evaluation runs were interrupted by a restart", abandoned)

    @property
    def enabled(self) -> bool:
        return self._evaluator is not None

    def _bundled(self) -> dict[str, Path]:
        if self._folder is None or not self._folder.is_dir():
            return {}
        return {p.stem: p for p in sorted(self._folder.glob("*.jsonl")) if p.is_file()}

    def _count(self, text: str, source: str) -> tuple[int, str]:
        if self._evaluator is None:
            return sum(1 for line in text.splitlines() if line.strip()), ""
        try:
            return self._evaluator.check(text, source), ""
        except InputError as exc:
            return 0, str(exc)

    def sets(self) -> list[EvalSetInfo]:
        found = []
        for name, path in self._bundled().items():
            questions, error = self._count(path.read_text(encoding="utf-8", errors="replace"), path.name)
            found.append(EvalSetInfo(name=name, origin="bundled", questions=questions, error=error))
        for name, body in self._store.sets().items():
            questions, error = self._count(body, name)
            found.append(EvalSetInfo(name=name, origin="stored", questions=questions, error=error))
        return found

    def text_of(self, name: str) -> str:
        bundled = self._bundled().get(name)
        if bundled is not None:
            return bundled.read_text(encoding="utf-8", errors="replace")
        body = self._store.get_set(name)
        if body is None:
            raise NotFoundError(f"没有名为 {name!r} 的题集：请在评测页查看可用题集")
        return body

    def _writable(self, name: str) -> str:
        check_set_name(name)
        if name in self._bundled():
            raise ConflictError(f"题集 {name} 是自带题集（只读）：请换一个名字")
        return name

    def upload(self, name: str, data: bytes) -> EvalSetInfo:
        """Store an uploaded .jsonl set (replacing a stored one of that name) after checking every line."""
        self._writable(name)
        if self._evaluator is None:
            raise InputError(NOT_WIRED)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError("题集不是 UTF-8 编码的文本：请另存为 UTF-8 的 .jsonl 文件") from None
        questions = self._evaluator.check(text, name)
        self._store.put_set(name, text)
        return EvalSetInfo(name=name, origin="stored", questions=questions)

    def add_question(
        self, name: str, question: str, *, chunk_id: str = "", doc_id: str = ""
    ) -> dict[str, Any]:
        """Append a question (with the clause it should find, when given) to a stored set, creating it."""
        self._writable(name)
        question = question.strip()
        if not question:
            raise InputError("问题不能为空")
        gold: list[dict[str, str]] = []
        if chunk_id:
            chunk = self._lookup(chunk_id)
            if chunk is None:
                raise NotFoundError(f"没有 ID 为 {chunk_id!r} 的条款（文件可能已重新导入）")
            if doc_id and doc_id != chunk.doc_id:
                raise InputError(f"条款 {chunk_id} 不属于文档 {doc_id}")
            gold = [{"doc": chunk.doc_id, "span": chunk.text[:SPAN_CHARS]}]
        elif doc_id:
            raise InputError("只给了文档、没给条款：请同时给出 chunk_id（预期命中的条款）")

        def line(n: int) -> dict[str, Any]:
            return {"id": f"C{n:03d}", "question": question, "answerable": True, "gold": gold}

        return self._store.append(name, line)

    def start(self, name: str, *, actor: str) -> EvalRun:
        """Run the set in the background (one evaluation at a time); poll `run(id)` for progress."""
        if self._evaluator is None:
            raise InputError(NOT_WIRED)
        evaluator = self._evaluator
        text = self.text_of(name)
        evaluator.check(text, name)  # a bad set is refused now, not in the background
        run = EvalRun(
            id=uuid.uuid4().hex[:16], set_name=name, state="running", started_at=self._clock(), actor=actor
        )

        def work(report: Report) -> dict[str, Any]:
            try:
                result = evaluator.run(
                    text,
                    name,
                    search=self._read(self._search),
                    answer=self._read(self._answer),
                    progress=lambda done, total: report("answer", done, total),
                )
            except Exception as exc:
                shown = str(exc) if isinstance(exc, InputError) else "内部错误，详见服务日志"
                self._store.finish_run(run.id, None, shown)
                raise
            self._store.finish_run(run.id, result)
            return {"run_id": run.id, "metrics": result.metrics}

        self._store.start_run(run)  # before the job: its end updates this row
        job = self._jobs.start_new(JOB_KIND, work)
        if job is None:
            self._store.forget_run(run.id)
            raise ConflictError("已有评测在运行：请等它结束后再开始")
        self._store.set_job(run.id, job.id)
        return run.model_copy(update={"job_id": job.id})

    def _read(self, fn: Callable[[str], Any]) -> Callable[[str], Any]:
        def under_gate(question: str) -> Any:
            with self._gate.reading():
                return fn(question)

        return under_gate

    def runs(self, *, set_name: str = "", limit: int = 50) -> list[EvalRun]:
        return self._store.runs(set_name=set_name, limit=limit)

    def run(self, run_id: str) -> EvalRunOut:
        found = self._store.run(run_id)
        if found is None:
            raise NotFoundError(f"没有 ID 为 {run_id!r} 的评测")
        diff = difference(found, self._store.previous(found)) if found.state == "succeeded" else None
        return EvalRunOut(**found.model_dump(), difference=diff)

    def progress(self, run: EvalRun) -> Job | None:
        return self._jobs.get(run.job_id) if run.job_id else None
