"""The extractive composer: quote the best clauses' sentences verbatim with [n] citations."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from core.figures import DATE
from core.records import Citation, Hit, Intent, RefusalReason
from core.text import (
    addresses,
    cited_as,
    clause_label,
    clause_marker,
    normalize,
    sentences,
    short_title,
    starts_clause,
)

from .evidence import Quote, Term, candidates, coverage, states_figure, wording
from .query import QueryInfo, asking_part
from .refusal import Measures, Thresholds, answering, decide, measure

QUICK_LIMIT = 120
_DUTY = re.compile(r"^[（(]\s*责任单位")
_CLAUSE_PIECE = re.compile(r"[^，,；;：:]+[，,；;：:]?")


def _trim(sentence: str, terms: Sequence[Term], info: QueryInfo, limit: int) -> str:
    """A verbatim window of the sentence's comma pieces, centred on what the question asks."""
    if len(sentence) <= limit:
        return sentence
    pieces = [m.group(0) for m in _CLAUSE_PIECE.finditer(sentence)]
    # no window of whole pieces fits: the piece that states what was asked, whole (never a cut mid-word)
    best, best_score = max(pieces, key=lambda p: states_figure(p, info) + coverage(terms, p)), -1.0
    for start in range(len(pieces)):
        window = ""
        for piece in pieces[start:]:
            if len(window) + len(piece) > limit:
                break
            window += piece
            figure = 1.0 if states_figure(window, info) else 0.0
            score = coverage(terms, window) + wording(info, window) + figure
            # on a tie the window that goes on wins: nothing is cut without a reason
            if score > best_score or (score == best_score and window.startswith(best)):
                best, best_score = window, score
    return best


@dataclass(frozen=True)
class Composition:
    """What the composer decided: the quotes that answer, or why the documents do not (with the measures)."""

    quotes: tuple[Quote, ...]
    reason: RefusalReason | None
    measures: Measures


def choose(
    info: QueryInfo,
    hits: Sequence[Hit],
    terms: Sequence[Term],
    thresholds: Thresholds,
    *,
    quick: bool,
    regions: Collection[str],
    floor: float = 0.0,
    noise: float = 0.0,
) -> Composition:
    """The refusal rule's decision on the retrieved clauses, and the quotes that answer when it lets them.

    `regions`: the regions of the indexed documents; `floor`, `noise`: see refusal.decide.
    """
    found = candidates(info, hits, terms)
    measures = measure(info, hits, terms, found, regions=regions)
    reason = decide(info, measures, thresholds, floor=floor, noise=noise)
    if reason is RefusalReason.FIGURE_NOT_STATED:
        # the sentence most on the topic is quoted, so the asker sees what it does say (one that names
        # a year first when the question asks about a year no clause speaks of: 2023年…337起 for 2025)
        dated = [q for q in found if DATE.search(q.text)] if measures.missing else []
        on_topic = dated or list(found)
        return Composition(tuple(_with_its_list(on_topic[0])) if on_topic else (), reason, measures)
    if reason is not None:
        return Composition((), reason, measures)
    if not quick and len(info.questions) > 1:  # each question of the message may have its own clause
        found = candidates(info, hits, terms, depth=len(hits))
    quotes = compose(info, answering(info, found, terms, thresholds), terms, quick=quick)
    return Composition(quotes, None if quotes else RefusalReason.WEAK_EVIDENCE, measures)


def compose(
    info: QueryInfo, usable: Sequence[Quote], terms: Sequence[Term], *, quick: bool
) -> tuple[Quote, ...]:
    """The quotes that answer the question, from the candidates the refusal rule let through (best first)."""
    if not usable:
        return ()
    first = usable[0]
    if quick:
        return (first,)
    if info.compares:
        return _per_region(info, usable)
    quotes = _with_its_list(first) + _its_qualification(first)
    own = len(quotes)  # the first quote with its list and qualification: complete already
    if yes_no_lead(info, first.text) and quotes[0] is not first:
        quotes = [first, *(q for q in quotes if q is not first)]  # the item that answers, then its lead-in
    same = [q for q in usable[1:] if q.hit is first.hit]
    duty = next((s for s in sentences(first.hit.chunk.text) if _DUTY.match(s)), "")
    if info.intent == Intent.WHO and duty and duty != first.text:
        quotes.append(Quote(first.hit, duty, 0.0))
    elif same and coverage(terms, first.text + same[0].text) - coverage(terms, first.text) >= 0.15:
        quotes.append(same[0])
    other = next((q for q in usable[1:] if q.hit.chunk.chunk_id != first.hit.chunk.chunk_id), None)
    # a second source for a figure only from the same region: two regions' numbers side by side mislead
    same_place = not info.wants_figure or (
        other is not None and other.hit.chunk.region == first.hit.chunk.region
    )
    if other and same_place and other.score >= 0.85 * first.score and other.text != first.text:
        quotes.append(other)
    quotes += _each_ask(info, usable, terms, quotes)
    # a lead-in quoted after those (有下列情形之一的，不视为侵犯专利权：) comes with its items, never dangling
    more = [x for q in quotes[own:] for x in (_with_its_list(q) if q.text.endswith(_LEAD_IN) else [q])]
    # one sentence quoted once, however it was reached (as the rule's continuation and as a candidate)
    seen: set[tuple[str, str]] = set()
    once: list[Quote] = []
    for quote in [*quotes[:own], *more]:
        if (quote.hit.chunk.chunk_id, quote.text) not in seen:
            seen.add((quote.hit.chunk.chunk_id, quote.text))
            once.append(quote)
    return tuple(once)


def _each_ask(
    info: QueryInfo, usable: Sequence[Quote], terms: Sequence[Term], quoted: Sequence[Quote]
) -> list[Quote]:
    """A message that asks several things: the best sentence for each question whose words the quotes so far
    leave out (专利法有什么要求？上海市里还要过哪道审查？ → the law's article and the city's clause)."""
    more: list[Quote] = []
    for ask in info.questions:
        own = [(t, w) for t, w in terms if t in normalize(ask)]
        if not own or any(coverage(own, q.text) >= 0.5 for q in [*quoted, *more]):
            continue

        def fit(q: Quote, own: Sequence[Term] = own) -> float:
            return coverage(own, f"{q.hit.chunk.clause}\n{q.text}")

        best = max(usable, key=lambda q: fit(q) + wording(info, q.text))
        if fit(best) > 0:
            more.append(best)
    return more


_QUALIFIES = re.compile(r"^(?:该|此(?!外)|前款|上述|但是|但|除)")  # 此外 (moreover) adds, it does not qualify


def _its_qualification(quote: Quote) -> list[Quote]:
    """What follows the quote when it qualifies it (该基数不包括…, 但是…除外, 前款规定…) or ends the
    sentence the quote leaves open at ；: a rule is never quoted without its exception or alternative."""
    parts = sentences(quote.hit.chunk.text)
    at = parts.index(quote.text) if quote.text in parts else -1
    more: list[Quote] = []
    while 0 <= at < len(parts) - 1 and len(more) < 2:
        after, ends_open = parts[at + 1], parts[at].endswith(("；", ";"))
        # a sentence cut at ； goes on (…五倍以下的罚款；没有违法所得的，…二十五万元以下的罚款。)
        if not (_QUALIFIES.match(after) or (ends_open and not starts_clause(after))):
            break
        more.append(Quote(quote.hit, after, 0.0))
        at += 1
    return more


LIST_CHARS = 360  # the items quoted after a lead-in (应当符合下列条件：…)
_LEAD_IN = ("：", ":")


def _with_its_list(quote: Quote) -> list[Quote]:
    """A lead-in quoted with the items it introduces, and an item with its lead-in (对下列各项，不授予专利权：
    …（三）疾病的诊断和治疗方法): the one never answers without the other."""
    parts = sentences(quote.hit.chunk.text)
    if quote.text not in parts:
        return [quote]
    at = parts.index(quote.text)
    if quote.text.endswith(_LEAD_IN) and not addresses(quote.text):  # a 主送 line introduces no list
        items, size = [], 0
        for part in parts[at + 1 :]:
            if size + len(part) > LIST_CHARS or part.endswith(_LEAD_IN):
                break
            items.append(Quote(quote.hit, part, 0.0))
            size += len(part)
        return [quote, *items]
    lead = next((p for p in reversed(parts[:at]) if p.endswith(_LEAD_IN)), None)
    if lead is not None and starts_clause(quote.text):
        return [Quote(quote.hit, lead, 0.0), quote]
    return [quote]


def _per_region(info: QueryInfo, usable: Sequence[Quote]) -> tuple[Quote, ...]:
    """A question about several regions: the best sentence of each region that has one."""
    best = [next((q for q in usable if q.hit.chunk.region == r), None) for r in info.regions]
    return tuple(q for q in best if q is not None) or (usable[0],)


def _order(quotes: Sequence[Quote], *, who: bool = False) -> list[list[Quote]]:
    """Group quotes by chunk (one citation each): the best sentence first with what reads on from it, the
    others in reading order (a 责任单位 line first when the question asks who)."""
    groups: dict[str, list[Quote]] = {}
    for quote in quotes:
        groups.setdefault(quote.hit.chunk.chunk_id, []).append(quote)
    for group in groups.values():
        text = group[0].hit.chunk.text
        at = [text.find(q.text) for q in group]
        # the best sentence leads (with the lead-in or items that read on from it); the rest follow in order
        lead = next((n for n in range(1, len(group)) if at[n] < at[n - 1]), len(group))
        if lead == 1 and len(group) > 1 and group[1].text.endswith(_LEAD_IN):
            lead = 2  # an item put first (it answers a yes/no question) keeps its lead-in right after it
        group[:] = group[:lead] + sorted(group[lead:], key=lambda q: text.find(q.text))
        group.sort(key=lambda q: not (who and _DUTY.match(q.text)))
    return list(groups.values())


_YES_NO = re.compile(r"吗|有没有|能不能|可不可以|是否|能否|可否|是不是|会不会|要不要|算不算|行不行")
# 给员工啥好处吗, 有哪些条件吗: a question word makes the 吗 a softener, not a yes/no question
_WH = re.compile(r"什么|啥|哪|多少|几|怎么|怎样|如何|谁|为何|为什么")
# 有 that asks whether something exists, not 有效/有权/有关 nor 所有/没有/具有/享有
_HAVE = re.compile(r"(?<![所没具享拥持])有(?![效权关利限])")
_ENDS_IN_MA = re.compile(r"吗[?？]?$")
_A_NOT_A = re.compile(r"有没有|能不能|可不可以|是不是|会不会|要不要|需不需要|算不算|行不行|是否|能否|可否")
_NEGATION = re.compile(
    r"不得|不予|不能|不可|禁止|不属于|不授予|不适用|不再|无权|不视为|不构成|不包括|不纳入|不计入|不承担|不受"
    r"|免予|免除|无需|无须|不必|不需要|不丧失"
)
_SENTENCE_END = "。！？；!?;…”’」』）)"
SPAN_LIMIT = 120  # a longer sentence is cut to the window of its comma pieces that answers
FIGURE_SPAN_LIMIT = 48  # a figure's window: the comma pieces around it
FIRST_CHARS = 80  # what a reader takes in at a glance: the answer's facts stand within it
YES_NO_SPAN_LIMIT = FIRST_CHARS - 4  # after 能。/不会。…: the window of the sentence that says so


def each_ask_limit(questions: int) -> int:
    """A message asking several things gets a line for each, and every line fits the first 80 characters
    together: the window of each is its share less its [n] and line break (36 for two questions)."""
    return FIRST_CHARS // questions - 4


def yes_no_lead(info: QueryInfo, quote: str) -> str:
    """能。/不能。/有。/是。 before the quote that answers a yes/no question ('' for other questions)."""
    # the first line answers the first question (有调解中心吗？在哪？ → 有。)
    asked = info.questions[0] if info.questions else info.asking or asking_part(info.read)
    if info.intent != Intent.GENERAL or not _YES_NO.search(asked):
        return ""
    if not _A_NOT_A.search(asked) and _WH.search(asked):
        return ""
    negative = bool(_NEGATION.search(quote))
    if re.search(r"能|可以|可不可以|可否|行不行", asked):
        return "不能。" if negative else "可以。"
    if re.search(r"有没有|有吗", asked) or (_HAVE.search(asked) and _ENDS_IN_MA.search(asked)):
        return "没有。" if negative else "有。"
    if re.search(r"会不会|会.*吗", asked):
        return "不会。" if negative else "会。"
    if re.search(r"要不要|需不需要|需要.*吗|必须.*吗|一定要.*吗", asked):
        return "不需要。" if negative else "需要。"
    if re.search(r"是不是|是否|是.*吗|算不算|算.*吗", asked):
        return "不是。" if negative else "是的。"
    return ""  # another verb (也要赔钱吗): the quote answers, a bare 是的 could say the opposite


def answering_span(quote: Quote, terms: Sequence[Term], info: QueryInfo, limit: int) -> str:
    """The words of the quote that answer, verbatim: the whole sentence when short, else the window of its
    comma pieces that states what was asked, marked …… where the sentence goes on."""
    own = clause_marker(quote.text)
    if own and own[0] == "article" and own[1] in quote.hit.chunk.clause:
        # 第三十五条 is named in the citation; the answer starts with what the article says
        quote = Quote(quote.hit, quote.text[len(own[1]) :].lstrip(), quote.score)
    if len(quote.text) <= limit:
        return quote.text
    window = _trim(quote.text, terms, info, limit).rstrip("，,、；;：: ")
    start = quote.text.find(window)
    before = "……" if start > 0 else ""
    after = "" if window.endswith(tuple(_SENTENCE_END)) else "……"
    return f"{before}{window}{after}"


def citations_and_text(
    quotes: Sequence[Quote], *, quick: bool, info: QueryInfo, terms: Sequence[Term] = (), whole: bool = False
) -> tuple[list[Citation], str]:
    """Numbered citations and the answer: what answers first (quoted verbatim), then where it comes from.

    `能。/有。` opens a yes/no answer; a question about several districts names the district of each line;
    `whole` quotes whole sentences (for saying what a clause states when it does not answer).
    """
    citations: list[Citation] = []
    lines: list[str] = []
    sources: list[str] = []
    limit = FIGURE_SPAN_LIMIT if info.wants_figure else SPAN_LIMIT
    if len(info.questions) > 1 and len({q.hit.chunk.chunk_id for q in quotes}) > 1:
        limit = min(limit, each_ask_limit(len(info.questions)))
    if whole:  # quoting what a clause says instead of an answer: its sentences, uncut
        limit = max(len(q.text) for q in quotes)
    if quick:
        limit = min(limit, QUICK_LIMIT - 12)
    for n, group in enumerate(_order(quotes, who=info.intent == Intent.WHO), start=1):
        chunk = group[0].hit.chunk
        quote = "……".join(q.text for q in group)
        citations.append(
            Citation(
                n, chunk.doc_id, chunk.title, chunk.doc_number, chunk.clause, chunk.region, chunk.text, quote
            )
        )
        lead = yes_no_lead(info, group[0].text) if n == 1 else ""  # what the answering sentence says
        # 不会。 and the window of the sentence that says so fit in the first 80 characters
        first = min(limit, YES_NO_SPAN_LIMIT) if lead else limit
        spans = [answering_span(q, terms, info, first if i == 0 else limit) for i, q in enumerate(group)]
        if lead and any(_QUALIFIES.match(q.text) and _NEGATION.search(q.text) for q in group[1:]):
            lead = ""  # a rule with an exception: the quote answers, not a bare 可以/不能
        place = f"{chunk.region}：" if info.compares and chunk.region else ""
        lines.append(f"{lead}{place}{_joined(spans, [q.text for q in group], chunk.text)}[{n}]")
        sources.append(f"{cited_as(chunk.title, chunk.clause, chunk.region)}[{n}]")
    if quick:
        return citations, f"{lines[0]}\n依据{sources[0].removesuffix('[1]')}"
    if info.compares:
        quoted = {c.region for c in citations}
        lines += [f"{r}：已收录的文件没有写明。" for r in info.regions if r not in quoted]
    if info.which_documents:  # the documents are the answer: they come first, each once with its clauses
        lines.insert(0, "见于" + _documents_line(citations) + "。")
    return citations, "\n".join([*lines, "依据：" + "；".join(sources)])


def _documents_line(citations: Sequence[Citation]) -> str:
    """《A》（九）、（十）；《B》第二条: each cited document once, with the clauses cited from it."""
    labels: dict[str, list[str]] = {}
    for c in citations:
        label = clause_label(c.clause, c.title)
        labels.setdefault(f"《{short_title(c.title, c.region)}》", []).extend([label] if label else [])
    return "；".join(name + "、".join(dict.fromkeys(found)) for name, found in labels.items())


def _joined(spans: Sequence[str], quoted: Sequence[str], text: str) -> str:
    """The spans in order, run on where their sentences follow each other in the clause, else …… between."""
    out = spans[0]
    for n in range(1, len(spans)):
        end = text.find(quoted[n - 1]) + len(quoted[n - 1])
        follows = text.find(quoted[n], end) >= 0 and not text[end : text.find(quoted[n], end)].strip()
        run_on = follows and not spans[n - 1].endswith("……") and not spans[n].startswith("……")
        if run_on:
            out += spans[n]
        else:  # one …… where text is left out, however many sides were cut
            out = f"{out.removesuffix('……')}……{spans[n].removeprefix('……')}"
    return out


def place_note(info: QueryInfo) -> str:
    """（“顾村”按宝山区理解）: the district each town, street, landmark or misspelt name was taken for."""
    taken = [f"“{place}”按{district}" for place, district in info.places if place not in district]
    return f"（{'，'.join(taken)}理解）" if taken else ""


def uncovered_note(info: QueryInfo, missing: Sequence[str]) -> str:
    """（浦东新区的政策文件尚未收录，以上为全市或全国适用的规定）: an answer for a district without
    documents of its own comes from a city text or a law, and the asker is told so."""
    districts = [d for d in missing if d in info.districts]
    return f"（{'、'.join(districts)}的政策文件尚未收录，以上为全市或全国适用的规定）" if districts else ""
