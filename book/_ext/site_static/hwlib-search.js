// Search snippets come from the page's HTML, where math is still raw TeX (MathJax typesets it only
// in the browser): drop math from the text the snippet is cut from, so results show prose.
(() => {
  const wrap = () => {
    if (!window.Search || !Search.makeSearchSummary || Search._hwlibWrapped) return;
    const original = Search.makeSearchSummary;
    Search.makeSearchSummary = (html, ...rest) => {
      const doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(".math, mjx-container, script[type^='math']").forEach((m) => {
        m.replaceWith(doc.createTextNode(m.tagName === "DIV" ? " (equation) " : " … "));
      });
      return original(doc.documentElement.outerHTML, ...rest);
    };
    Search._hwlibWrapped = true;
  };
  wrap();
  document.addEventListener("DOMContentLoaded", wrap);
})();
