() => {
  // Gradio 6 gives every option of a radio group its own `name`, so the browser sees
  // groups of one: arrow keys do nothing and Tab stops at every option. One shared name
  // per group gives back the keyboard behaviour radio buttons are expected to have.
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
