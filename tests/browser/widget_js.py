"""JavaScript snippets shared by the browser tests."""

# Records the length of the last assistant message on every DOM change, to prove text arrived in pieces.
WATCH_TEXT = """() => {
  const root = document.querySelector('#s2b-widget').shadowRoot;
  window.__lengths = [];
  new MutationObserver(() => {
    const texts = root.querySelectorAll('.s2b-assistant .s2b-text');
    const last = texts[texts.length - 1];
    if (last) window.__lengths.push(last.textContent.length);
  }).observe(root, {subtree: true, childList: true, characterData: true});
}"""
