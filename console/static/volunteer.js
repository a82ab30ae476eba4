// The volunteer page (/v): ask, answer cards, offline pack search, queued feedback, share. No framework.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const KEY = { region: "ipbot-v-region", pack: "ipbot-v-pack", queue: "ipbot-v-queue" };
  const MIN_SCORE = 0.34;
  const human = $("human").innerHTML.trim();
  let pack = { version: "", items: [] };
  let lastQuestion = "";

  const load = (key, fallback) => {
    try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch { return fallback; }
  };
  const save = (key, value) => { try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* full */ } };
  const say = (text) => { $("status").textContent = text; };
  const offline = (on) => { $("offline").hidden = !on; };

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- the offline pack: published curated answers, searched by shared character pairs ---
  function grams(text) {
    const s = text.replace(/[\s\p{P}\p{S}]/gu, "");
    const out = new Set();
    if (s.length === 1) out.add(s);
    for (let i = 0; i + 1 < s.length; i++) out.add(s.slice(i, i + 2));
    return out;
  }
  function search(question) {
    const want = grams(question);
    let best = null, top = 0;
    for (const item of pack.items) {
      const have = grams(item.question + item.text);
      let shared = 0;
      want.forEach((g) => { if (have.has(g)) shared++; });
      const score = want.size ? shared / want.size : 0;
      if (score > top) { top = score; best = item; }
    }
    return top >= MIN_SCORE ? best : null;
  }
  function usePack(next) {
    if (!next || !Array.isArray(next.items)) return;
    pack = next;
    const list = $("suggest");
    list.replaceChildren(...pack.items.map((i) => { const o = el("option"); o.value = i.question; return o; }));
    $("pack").textContent = `离线包 ${pack.version.slice(0, 6)}（${pack.items.length} 条精选）`;
  }
  async function refreshPack() {
    try {
      const response = await fetch("/v/pack.json", { cache: "no-store" });
      if (!response.ok) return;
      const next = await response.json();
      if (next.version !== pack.version) { save(KEY.pack, next); usePack(next); }
    } catch { /* offline: keep the pack we have */ }
  }

  // --- feedback and gaps: sent now, or queued on the device until the connection is back ---
  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    return response;
  }
  async function deliver(url, body) {
    try {
      const response = await post(url, body);
      if (response.ok) return "sent";
      return response.status === 429 || response.status >= 500 ? "retry" : "refused";
    } catch { return "retry"; }
  }
  async function sendOrQueue(url, body, done) {
    const outcome = navigator.onLine ? await deliver(url, body) : "retry";
    if (outcome === "retry") {
      save(KEY.queue, [...load(KEY.queue, []), { url, body }]);
      say(`已暂存，联网后自动发送（待发 ${load(KEY.queue, []).length} 条）`);
    } else say(outcome === "sent" ? done : "未能记录：请刷新页面后重试");
  }
  let flushing = false;
  async function flush() {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    try {
      const queue = load(KEY.queue, []);
      const left = [];
      for (const item of queue) if ((await deliver(item.url, item.body)) === "retry") left.push(item);
      save(KEY.queue, left);
      if (queue.length && left.length < queue.length) say(`已补发 ${queue.length - left.length} 条暂存的反馈`);
    } finally { flushing = false; }
  }

  // --- share: the Web Share API, else the clipboard (WeChat's browser takes this path) ---
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const area = el("textarea"); area.value = text; document.body.append(area); area.select();
    document.execCommand("copy"); area.remove();
    return Promise.resolve();
  }
  async function share(card) {
    const link = card.curated_id ? `\n${location.origin}/v/c/${card.curated_id}` : "";
    const text = `${card.share_text}${link}`;
    if (navigator.share) {
      try { await navigator.share({ title: "知识产权政策快答", text }); return; } catch { /* cancelled */ }
    }
    await copy(text);
    say("答案和出处已复制，可粘贴到微信");
  }

  // --- the card ---
  function render(card, fromPack) {
    const box = el("article", card.kind === "refusal" ? "card refusal" : "card");
    if (card.curated_id) box.append(el("span", "badge", "精选"));
    box.append(el("p", "q", `问：${card.question}`), el("p", "a", card.text));
    for (const s of card.sources) {
      const more = el("details", "src");
      const head = el("summary", "", `依据${s.label}`);
      head.append(el("span", s.expired ? "valid expired" : "valid", s.validity));
      const doc = el("p", "doc", s.title + (s.doc_number ? `（${s.doc_number}）` : ""));
      more.append(head, el("blockquote", "", s.quote), doc);
      box.append(more);
    }
    box.append(el("p", "human", card.kind === "refusal" ? `请转：${card.channel || human}` : `其他问题：${card.channel || human}`));
    const actions = el("div", "actions");
    const rateBody = (rating) => card.answer_id
      ? { answer_id: card.answer_id, rating }
      : { curated_id: card.curated_id, question: card.asked || card.question, rating };
    for (const [label, rating] of [["👍 有用", "up"], ["👎 不对", "down"]]) {
      const button = el("button", "rate", label);
      button.type = "button"; button.dataset.rating = rating;
      button.addEventListener("click", () => {
        actions.querySelectorAll(".rate").forEach((b) => b.classList.toggle("on", b === button));
        sendOrQueue("/v/api/feedback", rateBody(rating), "谢谢，反馈已送到管理台");
      });
      actions.append(button);
    }
    if (card.kind !== "refusal") {
      const button = el("button", "share", "分享"); button.type = "button";
      button.addEventListener("click", () => share(card));
      actions.append(button);
    }
    box.append(actions);
    if (fromPack) box.append(el("p", "note", "离线答案：来自精选答案离线包"));
    $("answer").replaceChildren(box);
    $("gap").hidden = false;
  }
  function answerOffline(question) {
    offline(true);
    const found = search(question);
    if (found) { render({ ...found, answer_id: "", asked: question }, true); say(""); return; }
    $("answer").replaceChildren(el("p", "none", `离线包里没有与“${question}”相近的精选答案。联网后再问，或点下面按钮记下这个问题。`));
    $("gap").hidden = false;
    say("");
  }
  async function ask(question) {
    lastQuestion = question;
    const region = $("region").value || null;
    if (!navigator.onLine) { answerOffline(question); return; }
    say("正在查找…");
    let response;
    try { response = await post("/v/api/ask", { question, region }); } catch { answerOffline(question); return; }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) { say(body.detail || `出错了（${response.status}）`); return; }
    offline(false); say(""); render(body, false);
  }

  // --- wiring ---
  $("region").value = load(KEY.region, "");
  $("region").addEventListener("change", () => save(KEY.region, $("region").value));
  $("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("q").value.trim();
    if (question) ask(question);
  });
  document.querySelectorAll(".chip").forEach((chip) => chip.addEventListener("click", () => {
    $("q").value = chip.textContent; $("q").focus();
  }));
  $("gap").addEventListener("click", () => {
    const question = ($("q").value.trim() || lastQuestion);
    if (!question) { say("先在输入框写下企业的问题"); return; }
    sendOrQueue("/v/api/gap", { question, region: $("region").value || null }, "已记下，管理台的问题清单里可以看到");
  });
  window.addEventListener("online", () => { offline(false); flush(); refreshPack(); });
  window.addEventListener("offline", () => offline(true));
  usePack(load(KEY.pack, null));
  offline(!navigator.onLine);
  refreshPack();
  flush();
  setInterval(flush, 10000);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/v/sw.js", { scope: "/v" }).catch(() => {});
})();
