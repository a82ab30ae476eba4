"""The OpenAPI schema is the truth: a bounded schemathesis run against a live server finds no 5xx and
no response, status or content type the schema does not describe."""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.generation import GenerationMode

from app.settings import Settings
from service.app import create_app
from service.settings import ServiceSettings
from tests.fakes.live_server import LiveServer

pytestmark = pytest.mark.integration

TOKEN = "s" * 16 + "0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def live(built_data_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("openapi") / "data"
    shutil.copytree(built_data_dir, data)
    service = ServiceSettings(
        bot=Settings(data_dir=data),
        admin_token=TOKEN,
        rate_per_ip=0,
        rate_per_user=0,
        max_upload_bytes=200_000,
    )
    with LiveServer(create_app(service)) as server:
        yield server


def _operations(live):
    schema = schemathesis.openapi.from_url(f"{live.base_url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operation, mode):
    """Up to a few generated requests of one mode against one operation, every default check applied."""
    # Bodies checked against stored data, which no schema can state: an upload's document (readable, 201, or
    # garbage, 422), a curated answer's quotes, new or edited (in their clause, 201/200, or not, 422), a
    # question set's lines, an evaluation question's clause and a run's set (known, or 400/404; this app has
    # no evaluator: 400).
    semantic = {
        "POST /admin/documents",
        "POST /admin/curated",
        "PUT /admin/curated/{curated_id}",
        "PUT /admin/eval/sets/{name}",
        "POST /admin/eval/sets/{name}/questions",
        "POST /admin/eval/runs",
    }
    excluded = [positive_data_acceptance] if operation.label in semantic else []
    # Admin routes get the bearer token from this test, so a "negative" case that only drops the
    # Authorization header (and adds unknown query names, which FastAPI ignores) is sent authorised.
    if operation.path.startswith("/admin"):
        excluded.append(negative_data_rejection)

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        case.call_and_validate(headers=AUTH, timeout=60, excluded_checks=excluded)

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_every_operation_conforms_to_the_schema(live, mode):
    failures = []
    for operation in _operations(live):
        try:
            _fuzz(operation, mode)
        except Unsatisfiable:  # nothing schema-violating to send (e.g. a GET without parameters)
            continue
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
