"""hwgrade — the autograder of hwlib book (course tooling, outside the student library ``hwlib``).

``python -m hwgrade [PATH]`` grades a student's upload and prints one line per graded function
with the seed autograder's codes (``python -m hwgrade --codes``); ``python -m hwgrade.gradescope``
is Gradescope's entry point; ``python -m hwgrade.points`` prints the point table.

* ``checks`` — what is checked: several seeded cases per function (plain data), and the training checks;
* ``child`` — the only code that runs beside student code: a fork server and the calls it makes;
* ``sandbox`` — the separate, unprivileged, limited process for student code;
* ``runner`` — running checks, comparing (``compare``), recording the reference;
* ``submission`` — turning an upload (folder, flat files, zip) into one package to grade;
* ``points``, ``report``, ``codes``, ``paths`` — the point table, results files, codes and file names.
"""
