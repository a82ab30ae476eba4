// Forms that add a question to an evaluation set post to /console/eval/sets/<set name>/questions.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains("eval-add")) return;
  const name = (form.elements.namedItem("set_name")?.value || "").trim();
  if (!name) { event.preventDefault(); alert("请填写评测集名称"); return; }
  form.action = `/console/eval/sets/${encodeURIComponent(name)}/questions`;
});
