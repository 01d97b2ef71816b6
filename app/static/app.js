// The one script: print buttons (inline script is barred by the CSP).
document.querySelectorAll("[data-print]").forEach((button) =>
  button.addEventListener("click", () => window.print())
);

// Wide tables and charts scroll sideways on a phone. A box that scrolls gets a keyboard
// stop and a name (so it can be scrolled without a mouse), and a hint above it.
function markScrollers() {
  document.querySelectorAll(".table-wrap, .scroll-x, figure").forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    box.classList.toggle("scrolls", scrolls);
    const hint = box.previousElementSibling;
    const hasHint = hint && hint.classList.contains("scroll-hint");
    if (scrolls) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) {
        const caption = box.querySelector("caption, figcaption");
        const name = caption ? caption.textContent.trim().slice(0, 30) : "表格";
        box.setAttribute("aria-label", name + "（可左右滑动）");
      }
      if (!hasHint) {
        const note = document.createElement("p");
        note.className = "scroll-hint";
        note.textContent = "← 左右滑动查看全部 →";
        box.before(note);
      }
    } else {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      if (hasHint) hint.remove();
    }
  });
}
markScrollers();
window.addEventListener("resize", markScrollers);

// a 考核码 slip's QR carries its code in the fragment (never sent to the server): fill it in
const codeInput = document.querySelector('form[action="/code"] input[name="code"]');
const fromSlip = /^#code=([A-Za-z0-9-]{4,32})$/.exec(window.location.hash);
if (codeInput && fromSlip && !codeInput.value) {
  codeInput.value = fromSlip[1];
  history.replaceState(null, "", window.location.pathname);  // out of the address bar
}
