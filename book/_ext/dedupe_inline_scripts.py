"""Drop duplicate <script> entries from every page.

Sphinx 7.4 (the newest jupyter-book 1.x allows) writes some inline scripts twice, so every page
throws ``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared`` in the browser. The
fix upstream is in Sphinx 8.2; until then this keeps the first copy of each identical script.
"""


def _script_key(script):
    # Compare what is rendered (file or inline body, and attributes): the two copies Sphinx 7.4
    # writes differ in priority, and one has filename None where the other has "".
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""
    return str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items() if v is not None))


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
