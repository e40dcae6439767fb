"""hwbook — the book's machinery, outside the student library ``hwlib``.

What makes the committed chapters reproducible and their numbers honest; none of it ships in the
student version (``make assignment``), and ``hwlib`` never imports it:

* ``reproducible``: the pinned floating-point kernels and thread counts
  (``python -m hwbook.reproducible COMMAND``, the venv's Jupyter kernel, ``pin_threads`` for scripts)
* ``nbval_tolerance``: the pytest plugin that compares the numbers a cell prints within the
  tolerance its metadata declares (``pytest -p hwbook.nbval_tolerance --nbval``)
* ``results``: the one way a chapter glues a value into its prose (``ChapterResults.report``),
  builds a results table (``markdown_table``, ``ChapterResults.table``) and keeps its full-scale
  numbers in a results file; every path comes from the caller (chapters pass ``"results"``,
  relative to ``book/``, where their kernel runs)

The scale switch (``hwlib.scale``: ``HWLIB_FULL``) stays in ``hwlib``: students run both scales.
"""
