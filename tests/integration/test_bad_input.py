"""Hostile input over real HTTP: bombs, bad file names and bad fields get a fast 4xx JSON error that names
the problem, never a server path or the whole input; server memory stays bounded; crash leftovers go."""

from __future__ import annotations

import logging
import threading
import time

import psutil
import pytest

from app.settings import Settings
from service.app import create_app
from service.settings import ServiceSettings
from tests.fakes.live_server import LiveServer
from tests.unit.test_load_bombs import docx_bomb, pdf_bomb

pytestmark = pytest.mark.integration
log = logging.getLogger(__name__)

TOKEN = "b" * 16 + "0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MB = 1024 * 1024
POLICY = "上海市金山区知识产权资助办法\n\n第一条 为鼓励创新，制定本办法。\n第五条 发明专利每件资助8000元。\n"


@pytest.fixture(scope="module")
def data(built_data_dir, tmp_path_factory):
    import shutil

    target = tmp_path_factory.mktemp("bad-input") / "data"
    shutil.copytree(built_data_dir, target)
    return target


@pytest.fixture(scope="module")
def server(data):
    settings = ServiceSettings(
        bot=Settings(data_dir=data),
        admin_token=TOKEN,
        rate_per_ip=0,
        rate_per_user=0,
        max_upload_bytes=8 * MB,
    )
    with LiveServer(create_app(settings)) as live:
        yield live


@pytest.fixture(scope="module")
def http(server):
    with server.client(timeout=120.0) as client:
        yield client


def upload(http, name, data):
    return http.post("/admin/documents", params={"filename": name}, content=data, headers=AUTH)


def assert_clean_error(response, status, *, data_dir, words=()):
    """A JSON error of `status` whose detail is short, names the problem and shows no server path."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert len(body["detail"]) <= 300 and str(data_dir) not in body["detail"]
    assert "upload-staging" not in body["detail"] and "/tmp" not in body["detail"]
    for word in words:
        assert word in body["detail"]


class PeakRss:
    """The largest resident set of this process (the server runs in it) while the block runs."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._stop = threading.Event()
        self.before = self.peak = 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(0.01)

    def __enter__(self) -> PeakRss:
        self.before = self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / MB


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("炸弹.docx", lambda: docx_bomb(2 * 1024**3), "document.xml 解压后约 2047 MB"),
        ("炸弹.pdf", lambda: pdf_bomb(1024**3), "数据流解压后不得超过"),
    ],
    ids=["docx-2GB", "pdf-1GB"],
)
def test_a_decompression_bomb_is_refused_with_memory_bounded(http, data, name, make, reason):
    bomb = make()
    with PeakRss() as rss:
        response = upload(http, name, bomb)
    log.warning(
        "%s (%.1f MB): %d, server RSS +%.0f MB", name, len(bomb) / MB, response.status_code, rss.growth_mb
    )
    assert_clean_error(response, 422, data_dir=data, words=(name, reason, "压缩炸弹"))
    assert rss.growth_mb < 500  # the bound: the bomb is never inflated
    assert name.removesuffix(".docx").removesuffix(".pdf") not in {
        d["doc_id"] for d in http.get("/api/documents").json()
    }


@pytest.mark.parametrize(
    ("filename", "status", "words"),
    [
        ("a\x00b.pdf", 400, ("控制字符",)),
        ("名" * 100 + ".pdf", 422, ("filename",)),  # 304 bytes: over the schema's 60 characters
        ("../../etc/passwd.txt", 400, ("路径",)),
        (".hidden.txt", 400, ("不能以 .",)),
        ("tool.exe", 400, ("不支持的文件类型",)),
    ],
)
def test_bad_file_names_are_4xx_naming_the_problem(http, data, filename, status, words):
    assert_clean_error(upload(http, filename, POLICY.encode()), status, data_dir=data, words=words)


def test_unreadable_and_empty_documents_are_refused_without_paths_and_not_stored(http, data):
    before = http.get("/api/documents").json()
    broken = upload(http, "broken.pdf", b"%PDF-1.7 not really")
    assert_clean_error(broken, 422, data_dir=data, words=("broken.pdf", "PDF"))
    markup_only = upload(http, "only_markup.md", b"<!-- draft -->\n# \n\n---\n")
    assert_clean_error(markup_only, 422, data_dir=data, words=("only_markup.md", "正文"))
    assert http.get("/api/documents").json() == before
    assert not list((data / "uploads").iterdir())
    assert not (data / "upload-staging").exists() or not list((data / "upload-staging").iterdir())


def test_the_upload_report_counts_the_chunks_this_upload_embedded(http):
    created = upload(http, "jinshan_new.txt", POLICY.encode())
    assert created.status_code == 201, created.text
    report = created.json()["report"]
    assert report["added"] == 1 and report["embedded"] >= 1
    again = upload(http, "jinshan_new.txt", POLICY.encode())
    assert again.json()["report"]["embedded"] == 0  # same text: everything cached
    assert http.delete("/admin/documents/jinshan_new", headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"question": "杨浦区贴息", "quick": 0}, 422, ("quick",)),
        ({"question": ""}, 400, ("问题为空",)),
        ({"question": "杨浦区贴息", "region": "火星"}, 400, ("region",)),
        ({"question": "杨浦区贴息", "x" * 5000: 1}, 422, ("请求格式不对",)),
    ],
    ids=["quick-0", "empty", "region", "huge-key"],
)
def test_bad_chat_fields_are_4xx_without_echoing_the_input(http, data, body, status, words):
    response = http.post("/api/chat", json=body)
    assert_clean_error(response, status, data_dir=data, words=words)
    assert "x" * 100 not in response.text


def test_a_lone_surrogate_is_still_a_400(http, data):
    body = b'{"question": "\\ud800\\u6768\\u6d66"}'
    for path in ("/api/chat", "/api/chat/stream"):
        response = http.post(path, content=body, headers={"Content-Type": "application/json"})
        assert_clean_error(response, 400, data_dir=data, words=("代理项",))


def test_unknown_wechat_channel_and_options_are_documented_json_errors(http, data):
    schema = http.get("/openapi.json").json()
    assert "404" in schema["paths"]["/wechat/{channel}"]["get"]["responses"]
    question = schema["components"]["schemas"]["ChatRequest"]["properties"]["question"]
    assert (question["minLength"], question["maxLength"]) == (1, 1000)  # IPBOT_MAX_QUESTION_CHARS
    assert_clean_error(http.get("/wechat/nope"), 404, data_dir=data, words=("nope",))
    options = http.options("/api/chat")
    assert_clean_error(options, 405, data_dir=data)
    assert "POST" in options.headers["allow"]


def test_staging_folders_and_backups_left_by_a_crash_are_cleaned_at_start_up(data_dir):
    uploads, staging = data_dir / "uploads", data_dir / "upload-staging"
    (staging / "0123abcd").mkdir(parents=True)
    (staging / "0123abcd" / "half.pdf").write_bytes(b"%PDF")
    uploads.mkdir(exist_ok=True)
    (uploads / ".orphan.txt.bak").write_text(POLICY, encoding="utf-8")  # the swap died before its move
    settings = ServiceSettings(bot=Settings(data_dir=data_dir), admin_token=TOKEN)
    create_app(settings)
    assert not staging.exists()
    assert [p.name for p in uploads.iterdir()] == ["orphan.txt"]
