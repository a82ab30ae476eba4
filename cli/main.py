"""The `ipbot` command: parse arguments, call one library function, print the result."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.settings import CALIBRATION_NAME, Settings
from app.threads import EmbedUse, Machine
from core.errors import IndexMissingError, IngestError, InputError, IpbotError

if TYPE_CHECKING:
    from bot.assistant import Assistant
    from core.records import Answer, Hit
    from vectorstore.index import Index


def _print_json(obj: Any) -> None:
    print(_line(obj))


def _line(obj: Any, *qid: Any) -> str:
    """The object as one JSON line, led by "id" when one is given."""
    return json.dumps({"id": qid[0], **obj} if qid else obj, ensure_ascii=False)


@contextmanager
def _bar(total: int) -> Iterator[Any]:
    from tqdm import tqdm

    with tqdm(total=total, desc="向量化", unit="段", file=sys.stderr, disable=None) as bar:
        yield bar


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from app.wiring import open_index
    from ingest.pipeline import ingest

    paths = [Path(p) for p in args.paths] or [settings.corpus_dir]
    index = open_index(settings)
    if args.reembed:
        from ingest.reembed import reembed

        switched = reembed(index, progress=_bar)
        print(
            f"嵌入模型：{switched.previous or '（无）'} → {switched.current}；"
            f"重算向量 {switched.chunks} 个（其中新算 {switched.embedded} 个，其余取自缓存）"
        )
    try:
        report = ingest(paths, index=index, progress=_bar, skip_bad=args.skip_bad)
    except IngestError as exc:
        if str(exc).endswith("路径不存在"):
            raise
        raise IngestError(f"{exc}\n加 --skip-bad 可跳过无法导入的文件、只导入其余文件") from exc
    print(
        f"文档 {report.documents} 份，条款块 {report.chunks} 个；新增 {report.added}，更新 {report.updated}，"
        f"删除 {report.removed}，未变 {report.unchanged}；"
        f"新向量 {report.embedded} 个；用时 {report.seconds} 秒"
    )
    if report.restored or report.orphans_removed:
        print(f"向量库修复：补回 {report.restored} 个向量，删除多余的 {report.orphans_removed} 个")
    if report.graph_built:
        print("已为本索引建立向量图（大索引的向量检索用它；此前由 Chroma 检索）")
    if report.skipped:
        print(f"跳过 {len(report.skipped)} 个无法导入的文件：", file=sys.stderr)
        for reason in report.skipped:
            print(f"  {reason}", file=sys.stderr)
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from app.wiring import open_index
    from ingest.reconcile import reconcile

    index = open_index(settings)
    try:
        found = reconcile(index, repair=not args.dry_run)
    finally:
        index.close()
    print(
        f"集合 {index.vectors.name}：目录条款块 {found.chunks} 个，向量 {found.vectors} 个；"
        f"缺失或过期 {found.missing} 个，多余 {found.orphans} 个"
    )
    if found.ok:
        print("向量库与目录一致")
        return 0
    if args.dry_run:
        print("未修复（去掉 --dry-run 即修复：缺失的向量取自缓存补回，多余的删除）")
        return 1
    print(f"已修复：补回 {found.restored} 个（其中新算 {found.embedded} 个），删除 {found.removed} 个")
    return 0


def _questions(args: argparse.Namespace) -> Iterator[tuple[Any, str | None, str]]:
    """(id, error, question) per input: the positional question, or one JSON object per stdin line."""
    if not args.stdin_jsonl:
        if args.question is None:
            raise InputError('缺少问题：ipbot ask "问题"，或用 --stdin-jsonl 从标准输入逐行读取')
        yield None, None, args.question
        return
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            yield row.get("id"), None, str(row["question"])
        except (ValueError, KeyError, TypeError, AttributeError):
            yield None, f'第 {number} 行不是 {{"id", "question"}} 形式的 JSON', ""


@dataclass(frozen=True)
class _Output:
    """One question's result: its JSON line (`line(qid)` leads with "id", as --stdin-jsonl writes it) and
    its text; each is worked out only when printed."""

    line: Callable[..., str]
    text: Callable[[], str]


def _each(args: argparse.Namespace, run: Callable[[str], _Output]) -> int:
    """Each question run and printed; under --stdin-jsonl a line per question, flushed, so a client that
    writes a question and waits for its answer gets it (a pipe's output is otherwise held until 8 KB)."""
    failed = 0
    for qid, error, question in _questions(args):
        if error is None:
            try:
                out = run(question)
            except InputError as exc:
                error = str(exc)
        if error is not None:
            failed += 1
            if not args.stdin_jsonl:
                raise InputError(error)
            print(_line({"id": qid, "error": error}), flush=True)
            continue
        if args.stdin_jsonl:
            print(out.line(qid), flush=True)
        else:
            print(out.line() if args.json else out.text())
    return 2 if failed else 0


def _index(settings: Settings) -> Index:
    from app.wiring import open_index

    index = open_index(settings)
    if index.is_empty():
        raise IndexMissingError("索引为空：请先运行 ipbot ingest（默认导入自带的政策文件）")
    return index


def _assistant(settings: Settings, index: Index | None = None) -> Assistant:
    from app.wiring import build_assistant

    return build_assistant(settings, index if index is not None else _index(settings))


def _curated_first(settings: Settings, index: Index) -> Callable[[str], Answer | None]:
    """The published 精选答案 of the data directory's state store, served first to quick questions."""
    from app.wiring import STATE_FILE
    from service.curated_first import CuratedFirst, curated_answers
    from service.index_reader import IndexReader

    reader = IndexReader(index)
    store = curated_answers(settings.data_dir / STATE_FILE, reader)
    return CuratedFirst(store=store, switched_off=reader.switched_off).serve


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from app.serialize import search_line

    if args.k < 1 or args.k > 100:
        raise InputError("-k 须在 1 到 100 之间")
    assistant = _assistant(settings)

    def run(question: str) -> _Output:
        hits = assistant.search(question, args.k)
        return _Output(partial(search_line, question, hits), partial(_hits_text, hits))

    return _each(args, run)


def _hits_text(hits: list[Hit]) -> str:
    lines = [  # the score as the JSON gives it (rounded to six places), then to three
        f"{i}. [{round(h.scores.fused, 6):.3f}] {h.chunk.clause}\n   {h.chunk.text[:120]}"
        for i, h in enumerate(hits, 1)
    ]
    return "\n".join(lines) or "（没有结果）"


def _understood(obj: dict[str, Any], question: str) -> str:
    """A note when a follow-up was answered as a rewritten, standalone question."""
    rewritten = obj.get("rewritten_question")
    return f"（按“{rewritten}”理解）\n" if rewritten and rewritten != question.strip() else ""


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from app.serialize import answer_json
    from bot.assistant import check_question
    from bot.sessions import check_session_id

    session = None if args.session is None else check_session_id(args.session)
    index = _index(settings)
    assistant = _assistant(settings, index)
    curated = _curated_first(settings, index) if args.quick else None

    def run(question: str) -> _Output:
        served = curated(check_question(question)) if curated else None
        result = served or assistant.answer(question, quick=args.quick, session_id=session)
        obj = answer_json(result)
        return _Output(partial(_line, obj), lambda: _understood(obj, question) + result.answer)

    return _each(args, run)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from app.serialize import answer_json
    from bot.sessions import check_session_id, new_session_id

    session = new_session_id() if args.session is None else check_session_id(args.session)
    print(f"正在加载政策文件索引和语义模型……（会话 {session}）", file=sys.stderr, flush=True)
    assistant = _assistant(settings)
    interactive = sys.stdin.isatty()
    print(
        "已就绪。输入问题后回车，输入“退出”或按 Ctrl-D 结束；"
        f"以后可用 ipbot ask --session {session} 接着问。",
        file=sys.stderr,
    )
    while True:
        try:
            question = input("问：" if interactive else "").strip()
        except EOFError:
            break
        if question in ("exit", "quit", "退出"):
            break
        if not question:
            continue
        try:
            result = assistant.answer(question, quick=args.quick, session_id=session)
        except InputError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            continue
        obj = answer_json(result)
        if args.json:
            _print_json(obj)
        else:
            print(f"{_understood(obj, question)}{result.answer}\n", flush=True)
    return 0


_EVAL_COLUMNS = (
    ("hit@1", "hit@1"),
    ("hit@5", "hit@5"),
    ("mrr", "MRR"),
    ("citation_hit", "cite"),
    ("fact_recall", "facts"),
    ("facts_first_80", "first80"),
    ("false_refusal_rate", "falseRef"),
    ("refusal_accuracy", "oosRef"),
    ("unsupported_number_answers", "unsup"),
    ("median_answer_chars", "medLen"),
    ("answerable", "n+"),
    ("unanswerable", "n-"),
)


def _eval_settings(settings: Settings, docs: list[str], progress: Any) -> Settings:
    """A data directory of its own holding the bundled corpus plus `docs` (kept for the next run)."""
    from dataclasses import replace
    from hashlib import sha1

    from app.wiring import open_index
    from ingest.pipeline import ingest

    paths = [settings.corpus_dir, *(Path(d).resolve() for d in docs)]
    key = sha1("\n".join(sorted(str(p) for p in paths)).encode()).hexdigest()[:12]
    own = replace(settings, data_dir=settings.data_dir / "eval-index" / key)
    index = open_index(own)
    try:
        ingest(paths, index=index, progress=progress)
    finally:
        index.close()
    return own


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from quality.evaluate import evaluate, load_set

    sets = [(Path(name).stem, load_set(Path(name))) for name in args.sets]  # a bad set fails before any work
    if args.docs:
        settings = _eval_settings(settings, args.docs, _bar)
    assistant = _assistant(settings)
    reports = [(name, evaluate(items, search=lambda q: assistant.search(q, 10), answer=assistant.answer))
               for name, items in sets]  # fmt: skip
    if args.json:
        rows = [
            {"set": n, "metrics": r.metrics, "personas": r.personas, "questions": [asdict(q) for q in r.rows]}
            for n, r in reports
        ]
        _print_json(rows)
        return 0
    print(f"{'set / persona':28s}" + "".join(f"{label:>9s}" for _, label in _EVAL_COLUMNS))
    for name, report in reports:
        for label, metrics in (("", report.metrics), *report.personas.items()):
            print(f"{(name + ' / ' + label) if label else name:28s}"
                  + "".join(f"{metrics[key]:>9}" for key, _ in _EVAL_COLUMNS))  # fmt: skip
    return 0


def cmd_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from quality.calibrate import calibrate, cross_validate, measure_all, per_persona, save
    from quality.evaluate import load_set

    items = [item for name in args.sets for item in load_set(Path(name))]
    target = Path(args.out) if args.out else settings.data_dir / CALIBRATION_NAME
    if args.docs:
        settings = _eval_settings(settings, args.docs, _bar)
    rows = measure_all(items, _assistant(settings).measures)
    result = calibrate(rows)
    for name in ("evidence", "sentence"):
        cut = getattr(result, name)
        print(
            f"{name:10s} threshold {cut.value}  (lowest answerable {cut.lowest_answerable}, "
            f"highest unanswerable {cut.highest_unanswerable}, errors {cut.errors})"
        )
    print("fold  evidence  sentence  questions  false_refusals  wrong_answers")
    for fold in cross_validate(rows):
        print(
            f"{fold.fold:4d}  {fold.evidence:8.4f}  {fold.sentence:8.4f}  {fold.questions:9d}  "
            f"{fold.false_refusals:14d}  {fold.wrong_answers:13d}"
        )
    for persona, own in per_persona(rows).items():
        print(f"persona {persona:10s} evidence {own.evidence.value}  sentence {own.sentence.value}")
    if args.write or args.out:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            save(result, target, source=", ".join(Path(name).name for name in args.sets))
        except OSError as exc:
            raise InputError(f"无法写入 {target}（{exc.strerror}）") from exc
        print(f"已写入 {target}（此后启动的 ipbot 使用这组阈值）")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from cli.evaluator import QualityEvaluator
    from service.run import serve

    serve(settings, host=args.host, port=args.port, evaluator=QualityEvaluator())
    return 0


def _new_password() -> str:
    """The password from the first line of standard input, or typed twice at a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    from getpass import getpass

    password = getpass("密码：")
    if getpass("再输入一次：") != password:
        raise InputError("两次输入的密码不一致")
    return password


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from service.app import STATE_FILE
    from service.staff.users import Role, UserStore

    user = UserStore(settings.data_dir / STATE_FILE).add(args.name, _new_password(), Role(args.role))
    role = "管理员" if user.role is Role.ADMIN else "审核员"
    print(f"已保存管理台账号 {user.name}（{role}）：登录地址 /console/login")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ipbot", description="知识产权政策问答助手")
    sub = p.add_subparsers(dest="command", required=True)
    ing = sub.add_parser("ingest", help="导入政策文件（默认：自带的上海政策文件）")
    ing.add_argument("paths", nargs="*", help=".txt .md .html .docx .pdf 文件或文件夹")
    ing.add_argument("--skip-bad", action="store_true", help="跳过无法导入的文件，导入其余文件并列出跳过的")
    ing.add_argument(
        "--reembed", action="store_true", help="用当前配置的嵌入模型（IPBOT_EMBED_URL）重算全部向量，再导入"
    )
    for name, fn in (("search", cmd_search), ("ask", cmd_ask)):
        sp = sub.add_parser(name, help="检索条款" if name == "search" else "回答问题（引用条款）")
        sp.add_argument("question", nargs="?")
        sp.add_argument("--json", action="store_true", help="输出 JSON")
        sp.add_argument("--stdin-jsonl", action="store_true", help='从标准输入逐行读取 {"id","question"}')
        if name == "search":
            sp.add_argument("-k", type=int, default=5, help="返回条数（1–100）")
        else:
            sp.add_argument("--quick", action="store_true", help="志愿者速答：一两句话加出处")
            sp.add_argument("--session", metavar="ID", help="接着某个会话问（追问会结合上文理解）")
        sp.set_defaults(func=fn)
    chat = sub.add_parser("chat", help="在终端里连续对话（支持追问）")
    chat.add_argument("--session", metavar="ID", help="接着已有的会话（默认新开一个）")
    chat.add_argument("--quick", action="store_true", help="志愿者速答：一两句话加出处")
    chat.add_argument("--json", action="store_true", help="每个回答输出一行 JSON")
    chat.set_defaults(func=cmd_chat)
    ev = sub.add_parser("eval", help="在题集上评测（可多个题集；按提问人群分列）")
    ev.add_argument("sets", nargs="+", metavar="SET")
    ev.add_argument(
        "--docs",
        action="append",
        metavar="PATH",
        help="另建评测索引：自带政策文件加这些文件或文件夹（可重复）",
    )
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_eval)
    cal = sub.add_parser("calibrate", help="在题集上校准拒答阈值（可多个题集，含交叉验证）")
    cal.add_argument("sets", nargs="+", metavar="SET")
    cal.add_argument(
        "--docs", action="append", metavar="PATH", help="另建索引：自带政策文件加这些文件（可重复）"
    )
    cal.add_argument("--write", action="store_true", help="写入数据目录下的 calibration.json")
    cal.add_argument("--out", metavar="PATH", help="写入指定文件（用 IPBOT_CALIBRATION_FILE 指向它）")
    cal.set_defaults(func=cmd_calibrate)
    ing.set_defaults(func=cmd_ingest, embed_use=EmbedUse.INGEST)
    doc = sub.add_parser("doctor", help="核对向量库与目录：补回缺失的向量（取自缓存），删除多余的")
    doc.add_argument("--dry-run", action="store_true", help="只报告，不修复（不一致时退出码为 1）")
    doc.set_defaults(func=cmd_doctor, embed_use=EmbedUse.INGEST)
    srv = sub.add_parser("serve", help="启动 HTTP 服务（API、微信回调）")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    srv.set_defaults(func=cmd_serve, embed_use=EmbedUse.SERVE)
    usr = sub.add_parser("user", help="管理台账号").add_subparsers(dest="action", required=True)
    add = usr.add_parser("add", help="新建账号或重设密码与角色（密码从终端输入，或读标准输入第一行）")
    add.add_argument("name")
    add.add_argument("--role", choices=["admin", "reviewer"], default="reviewer")
    add.set_defaults(func=cmd_user_add)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        use = getattr(args, "embed_use", EmbedUse.QUESTIONS)
        settings = Settings.from_env(os.environ).for_use(use, Machine.now())
        return int(args.func(args, settings))
    except IpbotError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2 if isinstance(exc, InputError | IngestError) else 1
    except KeyboardInterrupt:
        print("已中断：索引保持中断前的状态", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
