"""Size checks made before a parser expands a file: zip members as declared, PDF streams, extracted text.

Python's zipfile never inflates a member past its declared size (it stops there and the CRC check
fails), so summing the declared sizes bounds what python-docx can unpack before anything is unpacked.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from core.errors import IngestError

MB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    """How far one file may expand while it is parsed."""

    zip_unpacked_bytes: int = 48 * MB  # a real policy .docx unpacks to a few MB (images included)
    zip_xml_bytes: int = 16 * MB  # one XML part: lxml's tree takes about ten times its size
    zip_members: int = 2000
    pdf_stream_bytes: int = 16 * MB  # per decompressed PDF stream (pypdf's own default is 75 MB)
    pdf_pages: int = 2000
    text_chars: int = 5_000_000  # about 2,500 pages of Chinese text


DEFAULT_BUDGET = Budget()


def check_zip(data: bytes, name: str, budget: Budget = DEFAULT_BUDGET) -> None:
    """Refuse a zip package (.docx) whose members would unpack beyond the budget; nothing is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IngestError(f"{name}: 不是有效的 .docx 文件（{type(exc).__name__}）") from exc
    if len(members) > budget.zip_members:
        raise IngestError(
            f"{name}: .docx 包含 {len(members)} 个部件，超过上限 {budget.zip_members}："
            "请另存为普通 .docx 后再上传"
        )
    parts = [m for m in members if m.filename.endswith(".xml")]
    largest = max(parts, key=lambda m: m.file_size, default=None)
    if largest is not None and largest.file_size > budget.zip_xml_bytes:
        raise IngestError(
            f"{name}: .docx 的 {largest.filename[:60]} 解压后约 {largest.file_size // MB} MB，"
            f"超过上限 {budget.zip_xml_bytes // MB} MB（可能是压缩炸弹）：请拆分文件后再上传"
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > budget.zip_unpacked_bytes:
        raise IngestError(
            f"{name}: .docx 解压后约 {unpacked // MB} MB，超过上限 {budget.zip_unpacked_bytes // MB} MB"
            "（可能是压缩炸弹）：请删去图片等内容或拆分文件后再上传"
        )


def check_text_size(chars: int, name: str, budget: Budget = DEFAULT_BUDGET) -> None:
    """IngestError when a file's extracted text is longer than the budget allows."""
    if chars > budget.text_chars:
        raise IngestError(
            f"{name}: 提取出的文字超过 {budget.text_chars:,} 字的上限：请拆分成几个文件后再上传"
        )
