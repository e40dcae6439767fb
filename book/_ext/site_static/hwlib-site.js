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
