"""Publish curated answers through the admin API (quotes taken from hit-test candidates), for volunteer tests."""

from __future__ import annotations

from typing import Any

import httpx

QUESTIONS = ("杨浦区贴息", "质押融资", "开放许可", "纠纷调解", "维权援助", "公共服务", "假冒专利", "商标侵权")


def publish_curated(client: httpx.Client, auth: dict[str, str], count: int) -> list[dict[str, Any]]:
    """`count` published curated answers, each citing a different clause; their JSON as published."""
    chosen: dict[str, dict[str, Any]] = {}
    for question in QUESTIONS * 3:
        hits = client.post("/admin/hit-test", json={"question": question}, headers=auth).json()["candidates"]
        for hit in hits:
            if hit["chunk_id"] not in chosen and len(hit["text"]) > 16:
                chosen[hit["chunk_id"]] = {"question": f"{question}怎么办？", **hit}
                break
        if len(chosen) == count:
            break
    published = []
    for n, hit in enumerate(chosen.values(), start=1):
        draft = {
            "question": hit["question"],
            "answer": f"第{n}条精选：{hit['text'][:40]}",
            "citations": [{"chunk_id": hit["chunk_id"], "quote": hit["text"][:16]}],
        }
        created = client.post("/admin/curated", json=draft, headers=auth)
        assert created.status_code == 201, created.text
        done = client.post(f"/admin/curated/{created.json()['id']}/publish", headers=auth)
        assert done.status_code == 200, done.text
        published.append(done.json())
    assert len(published) == count
    return published
