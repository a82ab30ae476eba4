"""Raw text → clean paragraphs: strip web boilerplate and markup, mend page-break gaps (pure)."""

from __future__ import annotations

import re

from core.text import starts_clause

# Lines that are site furniture wherever they stand.
_NOISE_LINE = re.compile(
    r"^(文章来源|来源|发布时间|文章发表时间|发布日期|浏览次数|字号|打印本页|关闭窗口|责任编辑)\s*[:：]"
    r"|^-{3,}$|^\*{3,}$|^_{3,}$"
    r"|^[\w.+-]+@[\w-]+\.[\w.]+$"
)
# Markers after which the rest of the page is footer (attachments, links, copyright, 抄送, editor).
_TAIL_MARKER = re.compile(
    r"^(文章附件|相关链接|相关文章|附件下载|扫一扫|分享到)\s*[:：]?"
    r"|版权所有|Copyright|©|ICP备|主办单位\s*[:：]|投资咨询热线"
    r"|^抄送\s*[:：]"
    r"|^[（(]\s*编辑\s*[:：]"
    r"|^[（(].{0,20}(独家稿件|未经授权不得转载|未经许可不得)"
)
_MD_HEADING = re.compile(r"^#{1,6}\s*")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MD_QUOTE_OR_BULLET = re.compile(r"^(?:>\s*)+|^[-*+]\s+(?=\S)")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
# Comments (<!-- … -->, over several lines too) and characters that carry no text: private-use
# code points (icon fonts, unmapped glyphs of a PDF), zero-width marks, the BOM.
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_INVISIBLE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff\u200b-\u200d\u2060\ufeff]")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(
    rf"(?<=[{_CJK}])[ \t\u3000]+(?=[{_CJK}“”《》（）])|(?<=[“”《》（）])[ \t\u3000]+(?=[{_CJK}])"
)
_TERMINAL = "。！？；：!?;:”’」』）)】》.…"
_MID_PUNCT = re.compile(r"[，。；,;]")


def _lines(raw: str) -> list[str]:
    """The raw text's lines without comments and invisible characters."""
    text = _INVISIBLE.sub("", _COMMENT.sub("", raw))
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _strip_markup(line: str) -> str:
    line = _MD_HEADING.sub("", line.strip())
    line = _MD_QUOTE_OR_BULLET.sub("", line)
    line = _MD_LINK.sub(r"\1", _MD_BOLD.sub(r"\1", line))
    line = line.rstrip("\\").strip()
    return _SPACE_BETWEEN_CJK.sub("", line)


def _cut_tail(lines: list[str]) -> list[str]:
    """Drop the footer: from the first tail marker in the last part of the document onwards."""
    start = max(0, int(len(lines) * 0.6))
    for i in range(start, len(lines)):
        if _TAIL_MARKER.search(lines[i]):
            return lines[:i]
    return lines


def _continues(previous: str, following: str) -> bool:
    """True when a page break cut one sentence in two: a prose line that stops mid-sentence."""
    if not previous or not following or previous[-1] in _TERMINAL:
        return False
    if starts_clause(following) or (starts_clause(previous) and not _MID_PUNCT.search(previous)):
        return False
    return bool(_MID_PUNCT.search(previous)) and len(previous) >= 12


def clean_lines(raw: str) -> list[str]:
    """The document as a list of paragraphs, boilerplate removed and broken sentences rejoined."""
    lines = [_strip_markup(line) for line in _lines(raw)]
    lines = [line for line in lines if not _NOISE_LINE.search(line)]
    lines = _cut_tail(lines)
    paragraphs: list[str] = []
    for line in lines:
        if not line:
            continue
        if paragraphs and _continues(paragraphs[-1], line):
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    return paragraphs


def markup_free_lines(raw: str) -> list[str]:
    """Non-empty lines with markup stripped but nothing removed: the input of metadata extraction."""
    lines = (_strip_markup(line) for line in _lines(raw))
    return [line for line in lines if line]
