"""Plain-Python OKR computations, kept apart from the Odoo models.

The models feed values in and store what comes out. The pure parts
(``definitions``, ``totals``, ``progress``, ``period``, ``rollup``'s maths,
``forecast``'s maths) touch no cursor; the engine (``engine.py``) reads and
writes its own tables through the cursor and returns what changed as plain
data: it never calls a model method nor reads key results through the ORM.
"""
