() => {
  // Gradio 6 gives every option of a radio group its own `name`, so the browser sees
  // groups of one: arrow keys do nothing and Tab stops at every option. Here each group
  // (the options in one fieldset) gets one name, for Tab, and the arrow keys move the
  // choice within the group, as radio buttons are expected to do. The keys are handled
  // here rather than left to the browser: Gradio may re-create the options at any time.
  const options = (radio) => {
    const box = radio.closest("fieldset");
    return box ? [...box.querySelectorAll('input[type="radio"]')] : [radio];
  };
  const STEP = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
  document.addEventListener("keydown", (event) => {
    const radio = event.target;
    if (!(radio instanceof HTMLInputElement) || radio.type !== "radio") return;
    if (!(event.key in STEP) || event.altKey || event.ctrlKey || event.metaKey) return;
    const group = options(radio).filter((r) => !r.disabled);
    if (group.length < 2) return;
    event.preventDefault();
    const next = group[(group.indexOf(radio) + STEP[event.key] + group.length) % group.length];
    next.focus();
    next.click();
  }, true);

  let groups = 0;
  const join = () => {
    for (const box of document.querySelectorAll("fieldset")) {
      const radios = box.querySelectorAll('input[type="radio"]');
      if (radios.length < 2) continue;
      if (!box.dataset.mfGroup) box.dataset.mfGroup = `mf-radio-${++groups}`;
      for (const radio of radios) {
        if (radio.name !== box.dataset.mfGroup) radio.name = box.dataset.mfGroup;
      }
    }
  };
  let queued = false;
  const soon = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; join(); });
  };
  join();
  new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
}
