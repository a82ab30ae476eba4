"""Files → raw documents: the I/O end of ingestion (one parser per format)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from core.errors import IngestError

from .guard import DEFAULT_BUDGET, MB, Budget, check_text_size, check_zip

SUPPORTED = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


@dataclass(frozen=True)
class RawDocument:
    """A file's text as published, before cleaning."""

    doc_id: str
    source: str
    text: str
    content_hash: str
    fmt: str


def decode_text(data: bytes, name: str) -> str:
    """Decode UTF-8 (with or without BOM), else GB18030; refuse binary or undecodable bytes."""
    if b"\x00" in data[:4096]:
        raise IngestError(f"{name}: 不是文本文件（含二进制内容），请提供 UTF-8 或 GB18030 编码的文本")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{name}: 无法解码，请另存为 UTF-8 编码后再导入")


def _html_text(data: bytes, name: str) -> str:
    from bs4 import BeautifulSoup

    try:
        soup = BeautifulSoup(decode_text(data, name), "html.parser")
        for tag in soup(["head", "script", "style", "nav", "header", "footer", "noscript"]):
            tag.decompose()
        blocks = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "br", "section", "article")
        for tag in soup.find_all(blocks):
            tag.insert_before("\n")
            tag.insert_after("\n")
        return soup.get_text()
    except RecursionError as exc:  # tags nested thousands deep
        raise IngestError(f"{name}: HTML 标签嵌套过深，无法解析：请另存为纯文本（.txt）后再上传") from exc


def _docx_text(data: bytes, name: str) -> str:
    import docx

    check_zip(data, name)  # before python-docx inflates anything: a zip bomb stops here
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for a broken package
        raise IngestError(f"{name}: 不是有效的 .docx 文件（{type(exc).__name__}）") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _pdf_text(data: bytes, name: str, budget: Budget = DEFAULT_BUDGET) -> str:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError

    limits = {
        "zlib_maximum_output_length": budget.pdf_stream_bytes,
        "lzw_maximum_output_length": budget.pdf_stream_bytes,
        "run_length_maximum_output_length": budget.pdf_stream_bytes,
        "array_based_stream_maximum_output_length": budget.pdf_stream_bytes,
        "brotli_maximum_output_length": budget.pdf_stream_bytes,
        "maximum_declared_stream_length": budget.pdf_stream_bytes,
    }
    pages: list[str] = []
    try:
        with apply_configuration(None, **limits):
            reader = PdfReader(io.BytesIO(data))
            if len(reader.pages) > budget.pdf_pages:
                raise IngestError(
                    f"{name}: PDF 有 {len(reader.pages)} 页，超过上限 {budget.pdf_pages} 页：请拆分后再上传"
                )
            size = 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                size += len(pages[-1])
                check_text_size(size, name, budget)
    except IngestError:
        raise
    except LimitReachedError as exc:
        raise IngestError(
            f"{name}: PDF 内容超出解析上限（单个数据流解压后不得超过 {budget.pdf_stream_bytes // MB} MB，"
            "可能是压缩炸弹）：请用其他软件重新导出 PDF 后再上传"
        ) from exc
    except Exception as exc:  # pypdf raises many unrelated types for a malformed file
        raise IngestError(f"{name}: 不是有效的 PDF 文件（{type(exc).__name__}）") from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise IngestError(f"{name}: PDF 中没有可提取的文字（可能是扫描件），请先做文字识别")
    return text


def _plain_text(data: bytes, name: str) -> str:
    return decode_text(data, name)


PARSERS: dict[str, Callable[[bytes, str], str]] = {
    ".txt": _plain_text,
    ".md": _plain_text,
    ".html": _html_text,
    ".htm": _html_text,
    ".docx": _docx_text,
    ".pdf": _pdf_text,
}


def doc_id_for(path: Path) -> str:
    """A stable id from the file name: its stem, lower-cased, with unsafe characters replaced.

    Parentheses stay, so 专利法(2020-10-17).md is 专利法(2020-10-17), the name question sets cite.
    """
    stem = re.sub(r"[^\w\-()]+", "_", path.stem, flags=re.UNICODE).strip("_").lower()
    return stem or hashlib.sha1(path.name.encode()).hexdigest()[:12]


def load_file(path: Path) -> RawDocument:
    """Read and parse one file; raise IngestError with a one-line reason when it cannot be used."""
    suffix = path.suffix.lower()
    parser = PARSERS.get(suffix)
    if parser is None:
        raise IngestError(f"{path}: 不支持的文件类型 {suffix or '(无扩展名)'}，支持 {', '.join(SUPPORTED)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: 无法读取（{exc.strerror}）") from exc
    text = parser(data, str(path))
    check_text_size(len(text), str(path))
    if not text.strip():
        raise IngestError(f"{path}: 文件没有文字内容")
    return RawDocument(
        doc_id=doc_id_for(path),
        source=str(path.resolve()),
        text=text,
        content_hash=hashlib.sha256(data).hexdigest(),
        fmt=suffix.lstrip("."),
    )


def _wanted(path: Path, folder: Path) -> bool:
    """A supported file of a folder, outside hidden files and hidden folders (.git, .cache …)."""
    hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
    return not hidden and path.suffix.lower() in SUPPORTED and path.is_file()


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Expand folders into their supported files; return (files, folders) or raise for a missing path."""
    files: list[Path] = []
    folders: list[Path] = []
    for path in paths:
        if not path.exists():
            raise IngestError(f"{path}: 路径不存在")
        if path.is_dir():
            folders.append(path.resolve())
            files.extend(sorted(p for p in path.rglob("*") if _wanted(p, path)))
        else:
            files.append(path)
    return files, folders
