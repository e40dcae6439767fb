"""Site fixes for sphinx-book-theme 1.3.0 on pydata-sphinx-theme 0.17.1 (issue 24).

- Drops the 1.5 MB ``fontawesome.js`` (it swaps icons for inline SVG): the theme's CSS already
  draws the same icons from the vendored web font, so the pages look the same at a tenth of the
  weight.
- One header: no second search box, and the ☰ button opens the chapter list (see ``_config``).
- The theme's colour button cycles from ``<html data-default-mode>``, which pydata 0.17.1 writes on
  ``<body>`` instead, so a first visit starts from "auto" and the first click (auto -> light) does
  nothing visible; the inline script copies the configured mode onto ``<html>``.
- Adds ``hwlib-site.css`` (wrapping inline code, equations scrolling in their own box, code that
  wraps instead of scrolling, print rules), ``hwlib-site.js`` (a display equation slightly wider
  than the column is set smaller until it fits) and, on the search page, ``hwlib-search.js`` (snippets
  without raw TeX).
- Ships README.md beside the site and links it from every page's sidebar (the book has no public
  repository URL; when ``html.repository_url`` is set the theme's own repository and launch
  buttons appear instead).
- Writes ``favicon.ico`` at the site's root, drawn like ``book/images/favicon.svg``: browsers ask
  for /favicon.ico whatever the page links (Chrome does on some first loads), and a site served at
  its domain's root then answers instead of logging a 404.
"""

import re
from pathlib import Path

STATIC = Path(__file__).parent / "site_static"
DROPPED_SCRIPTS = ("scripts/fontawesome.js",)
# pydata-sphinx-theme writes this tag from a template macro, not from script_files
FONTAWESOME_TAG = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')


def _page_context(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [s for s in scripts if not str(getattr(s, "filename", s) or "").startswith(DROPPED_SCRIPTS)]
    if pagename == "search" and scripts is not None:
        from sphinx.builders.html._assets import _JavaScript

        scripts.append(_JavaScript("_static/hwlib-search.js", priority=900))
    if not app.config.html_theme_options.get("repository_url"):
        readme = context["pathto"]("README.md", 1)
        context["theme_icon_links"] = [{"name": "README: install, build, test", "url": readme,
                                        "icon": "fa-solid fa-file-lines", "type": "fontawesome"}]


def _config(app, config):
    # pydata 0.17.1 fills the (sphinx-book-theme: empty) header with a second search box unless
    # navbar_persistent is set; that header also holds the first .primary-toggle in the page, the
    # one both themes' scripts bind, so the visible ☰ of the article header did nothing.
    config.html_theme_options.setdefault("navbar_persistent", [])
    mode = config.html_context.get("default_mode", "light")
    app.add_js_file(None, body=f'document.documentElement.dataset.defaultMode = "{mode}";',
                    priority=1)


def _drop_fontawesome(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lean = FONTAWESOME_TAG.sub("", text)
        if lean != text:
            page.write_text(lean, encoding="utf-8")


def _write_favicon_ico(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    import matplotlib
    from PIL import Image, ImageDraw, ImageFont

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"
    size = 256      # drawn large, scaled down by the ICO writer for each size it holds
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size * 6 // 32, fill="#1f4e79")
    draw.text((size / 2, size * 22 / 32), "\u2207", fill="#ffffff", anchor="ms",
              font=ImageFont.truetype(str(font), size // 2))
    icon.save(Path(app.outdir) / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


def setup(app):
    app.connect("config-inited", _config)
    app.connect("builder-inited", lambda app: app.config.html_static_path.append(str(STATIC)))
    app.add_css_file("hwlib-site.css", priority=900)
    app.add_js_file("hwlib-site.js", priority=900, defer="defer")
    # before pydata's own handler (500), which drops sidebar templates that render empty
    app.connect("html-page-context", _page_context, priority=400)
    app.connect("build-finished", _drop_fontawesome)
    app.connect("build-finished", _write_favicon_ico)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
