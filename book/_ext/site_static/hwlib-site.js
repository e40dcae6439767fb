// A display equation a little wider than the column is set in a smaller size until it fits
// (down to 75%); a wider one keeps its own horizontal scroll box (hwlib-site.css).
(() => {
  const fit = () => document.querySelectorAll('mjx-container[display="true"]').forEach((m) => {
    m.style.fontSize = "";
    const ratio = m.clientWidth / m.scrollWidth;
    if (ratio < 1 && ratio >= 0.75) m.style.fontSize = `${Math.floor(ratio * 98)}%`;
  });
  const whenTypeset = () => {
    const p = window.MathJax && MathJax.startup && MathJax.startup.promise;
    if (p) p.then(fit); else setTimeout(whenTypeset, 100);
  };
  window.addEventListener("load", whenTypeset);
  window.addEventListener("resize", fit);
})();

// The colour button: pydata-sphinx-theme 0.17.1 cycles auto → dark → light (or auto → light →
// dark), so from a configured light mode on a light system its first click goes to "auto",
// which looks the same. Here the button switches between light and dark, what it shows.
document.addEventListener("click", (event) => {
  if (!event.target.closest || !event.target.closest(".theme-switch-button")) return;
  event.stopImmediatePropagation();
  event.preventDefault();
  const root = document.documentElement;
  const next = root.dataset.theme === "dark" ? "light" : "dark";
  localStorage.setItem("mode", next);
  localStorage.setItem("theme", next);
  root.dataset.mode = next;
  root.dataset.theme = next;
}, true);
