"""Measure the volunteer page in Chromium on a phone viewport: first-load bytes and time-to-answer.

    ADMIN_TOKEN=… .venv/bin/python scripts/volunteer_figures.py --base http://127.0.0.1:8000

Needs a running `ipbot serve` with ADMIN_TOKEN (it makes a one-day event link and revokes it at the end)
and IPBOT_RATE_PER_EVENT=0 (or high enough for the question set). Time-to-answer is taken in the page:
from submitting the form to the answer card being in the page, for every question of the set."""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
CHROMIUM = "/usr/bin/chromium"
SHELL = ("/v", "/v/pack.json", "/static/volunteer.js", "/static/volunteer.css", "/static/favicon.png")
ASK = """async (question) => {
  const box = document.getElementById("answer");
  box.replaceChildren();
  const start = performance.now();
  const shown = new Promise((done) => {
    const seen = new MutationObserver(() => {
      if (box.querySelector(".card")) { seen.disconnect(); done(true); }
    });
    seen.observe(box, { childList: true });
    setTimeout(() => { seen.disconnect(); done(false); }, 60000);
  });
  document.getElementById("q").value = question;
  document.getElementById("ask").requestSubmit();
  const ok = await shown;
  const card = box.querySelector(".card");
  return { ok, ms: performance.now() - start, refused: !!(card && card.classList.contains("refusal")) };
}"""


def _questions(path: Path) -> list[str]:
    return [
        json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def measure(base: str, token: str, questions: list[str]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=60) as admin:
        event = admin.post("/admin/events", json={"name": "测量", "days": 1}, headers=auth).json()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless"])
                context = browser.new_context(
                    base_url=base, viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
                )
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                sizes: list[float] = []
                cdp.on("Network.loadingFinished", lambda e: sizes.append(e["encodedDataLength"]))
                page.goto(event["url"])
                page.wait_for_selector("#pack:has-text('离线包')")
                page.wait_for_load_state("networkidle")
                first_load = int(sum(sizes))
                requests = len(sizes)
                precache = sum(
                    len(admin.get(u, cookies={"ipbot_event": event["token"]}).content) for u in SHELL
                )
                runs = [page.evaluate(ASK, q) for q in questions]
                browser.close()
        finally:
            admin.delete(f"/admin/events/{event['token']}", headers=auth)
    times = sorted(r["ms"] for r in runs if r["ok"])
    return {
        "first_load_bytes": first_load,
        "first_load_requests": requests,
        "service_worker_precache_bytes": precache,
        "questions": len(questions),
        "cards_shown": len(times),
        "refusals": sum(r["refused"] for r in runs),
        "time_to_answer_ms_p50": round(statistics.median(times)) if times else None,
        "time_to_answer_ms_p90": round(times[int(0.9 * (len(times) - 1))]) if times else None,
        "time_to_answer_ms_max": round(times[-1]) if times else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--questions", type=Path, default=DEV)
    args = parser.parse_args()
    token = os.environ.get("ADMIN_TOKEN", "")
    if not token:
        raise SystemExit("set ADMIN_TOKEN to the server's admin token")
    print(json.dumps(measure(args.base, token, _questions(args.questions)), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
