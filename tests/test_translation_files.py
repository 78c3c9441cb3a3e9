"""Every translation file loads the way Odoo loads it.

Odoo reads a ``.po`` file entry by entry and takes the module from each
entry's ``#. module:`` comment: an entry without one (a term added by hand)
stops the install of every addon when its language is loaded
(``--load-language`` or activating it later), not only the addon's own. Reads
the files with Odoo's own reader, runs no server.
"""

from pathlib import Path

import pytest

from odoo.tools.translate import translation_file_reader

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(ROOT.glob("*/i18n/*.po")) + sorted(ROOT.glob("*/i18n/*.pot"))


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_odoo_reads_every_entry(path):
    addon = path.parent.parent.name
    rows = list(translation_file_reader(str(path), fileformat="po"))
    assert rows, f"{path} has no entry"
    modules = {row["module"] for row in rows}
    assert modules == {addon}, f"{path}: entries of {modules - {addon}}"
