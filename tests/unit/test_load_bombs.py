"""Decompression bombs built here (a .docx part and a PDF stream that inflate to GBs) are refused fast."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest

from core.errors import IngestError
from ingest.load import load_file
from ingest.sandbox import SandboxLimits, load_isolated

GB = 1024**3
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_BLOCK = b"<w:p/>" * (1024 * 1024 // 6)  # about 1 MB of the most compressible XML there is


def _repeated_deflate(
    block: bytes, times: int, head: bytes = b"", tail: bytes = b""
) -> tuple[bytes, int, int]:
    """Raw deflate of head + block * times + tail (one compressed block, copied), its CRC-32 and size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return start + piece * times + end, zlib.crc32(tail, crc), len(head) + len(block) * times + len(tail)


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive of already deflated members (name, data, crc, size), written by hand."""
    out = io.BytesIO()
    central = io.BytesIO()
    for name, data, crc, size in members:
        offset = out.tell()
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0, crc, len(data), size, len(encoded))
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields, 0) + encoded + data)
        central.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(central.getvalue())
    count = len(members)
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(central.getvalue()), start, 0))
    return out.getvalue()


def docx_bomb(unpacked_bytes: int = 2 * GB) -> bytes:
    """A real .docx whose word/document.xml inflates to `unpacked_bytes` (3.2 MB on disk for 2 GB)."""
    template = io.BytesIO()
    docx.Document().save(template)
    members = []
    with zipfile.ZipFile(template) as package:
        for info in package.infolist():
            if info.filename == "word/document.xml":
                continue
            raw = package.read(info)
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            members.append(
                (info.filename, compressor.compress(raw) + compressor.flush(), zlib.crc32(raw), len(raw))
            )
    head = f'<w:document xmlns:w="{_W}"><w:body>'.encode()
    data, crc, size = _repeated_deflate(
        _BLOCK, unpacked_bytes // len(_BLOCK), head, b"</w:body></w:document>"
    )
    members.append(("word/document.xml", data, crc, size))
    return _zip(members)


def pdf_bomb(unpacked_bytes: int = GB) -> bytes:
    """A one-page PDF whose FlateDecode content stream inflates to `unpacked_bytes` of text operators."""
    block = b"BT /F1 12 Tf 72 712 Td (x) Tj ET\n" * (1024 * 1024 // 34)
    deflated, _, _ = _repeated_deflate(block, unpacked_bytes // len(block))
    adler = 1
    for _ in range(unpacked_bytes // len(block)):
        adler = zlib.adler32(block, adler)
    stream = b"\x78\xda" + deflated + struct.pack(">I", adler)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    paths = {"docx": folder / "bomb.docx", "pdf": folder / "bomb.pdf"}
    paths["docx"].write_bytes(docx_bomb())
    paths["pdf"].write_bytes(pdf_bomb())
    return paths


def test_the_bombs_are_small_on_disk_and_really_inflate(bombs):
    assert bombs["docx"].stat().st_size < 4 * 1024 * 1024
    with zipfile.ZipFile(bombs["docx"]) as package:
        assert package.getinfo("word/document.xml").file_size >= 2 * GB - 1024 * 1024
        with package.open("word/document.xml") as part:
            assert part.read(1 << 20).count(b"<w:p/>") > 100_000  # a real deflate stream, not a lie
    assert bombs["pdf"].stat().st_size < 4 * 1024 * 1024


@pytest.mark.parametrize(("fmt", "message"), [("docx", "压缩炸弹"), ("pdf", "压缩炸弹")])
def test_a_bomb_is_refused_in_process_before_it_is_unpacked(bombs, fmt, message):
    with pytest.raises(IngestError, match=message) as info:
        load_file(bombs[fmt])
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_a_bomb_is_refused_in_the_sandbox_too(bombs, fmt):
    with pytest.raises(IngestError, match="压缩炸弹"):
        load_isolated(bombs[fmt])


def test_the_sandbox_reads_a_good_file_like_load_file(tmp_path):
    path = tmp_path / "plan.docx"
    document = docx.Document()
    document.add_paragraph("一、金融支持")
    document.add_paragraph("（一）对符合条件的企业给予贷款利率50%的贴息。")
    document.save(str(path))
    assert load_isolated(path) == load_file(path)


def heavy_docx(path: Path) -> Path:
    """A .docx within every size check (a 15 MB document.xml) that still needs lots of CPU and memory."""
    path.write_bytes(docx_bomb(15 * 1024 * 1024))
    return path


def test_a_parse_over_the_cpu_limit_is_killed_with_a_clear_error(tmp_path):
    with pytest.raises(IngestError, match=r"上限|秒"):
        load_isolated(heavy_docx(tmp_path / "slow.docx"), SandboxLimits(cpu_seconds=1, wall_seconds=5.0))


def test_a_parse_over_the_memory_limit_is_a_clear_error(tmp_path):
    with pytest.raises(IngestError, match="内存"):
        load_isolated(heavy_docx(tmp_path / "big.docx"), SandboxLimits(memory_bytes=200 * 1024 * 1024))
