"""Plain-Python OKR computations, kept apart from the Odoo models.

The models feed values in and store what comes out; nothing here touches the
ORM, so every rule can be read and tested on its own.
"""
