// Search snippets come from the page's HTML, where math is still raw TeX (MathJax typesets it only
// in the browser): drop math from the text the snippet is cut from, so results show prose.
// (searchtools.js declares Search with const: it is a global binding, not window.Search.)
(() => {
  const wrap = () => {
    if (typeof Search === "undefined" || !Search.makeSearchSummary || Search._hwlibWrapped) return;
    const original = Search.makeSearchSummary;
    Search.makeSearchSummary = (html, ...rest) => {
      const doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(".math, mjx-container, script[type^='math']").forEach((m) => {
        m.replaceWith(doc.createTextNode(m.tagName === "DIV" ? " (equation) " : " … "));
      });
      // titles in lists of contents keep their math as text: \( ... \), \[ ... \], $ ... $
      const text = doc.documentElement.outerHTML
        .replace(/\\\(.*?\\\)/gs, " … ").replace(/\\\[.*?\\\]/gs, " (equation) ")
        .replace(/\$[^$<]+\$/g, " … ");
      return original(text, ...rest);
    };
    Search._hwlibWrapped = true;
  };
  wrap();
  document.addEventListener("DOMContentLoaded", wrap);
})();
