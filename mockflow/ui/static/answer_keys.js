() => {
  // The answer box follows chat conventions: Enter sends (by clicking Send, so it goes
  // the same way), Shift+Enter starts a new line. Gradio's own multi-line box does the
  // opposite, on keypress: a keydown we cancel never becomes a keypress, and a
  // Shift+Enter keypress is stopped here, before Gradio sees it. While an input method
  // is composing (Japanese, Chinese...), Enter belongs to it and sends nothing.
  const inAnswer = (event) => event.target instanceof HTMLTextAreaElement
    && event.target.closest("#mf-answer") !== null;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !inAnswer(event)) return;
    if (event.isComposing || event.keyCode === 229) return;
    if (event.shiftKey || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    event.stopPropagation();
    document.getElementById("mf-send")?.click();
  }, true);
  document.addEventListener("keypress", (event) => {
    if (event.key === "Enter" && event.shiftKey && inAnswer(event)) event.stopPropagation();
  }, true);
}
