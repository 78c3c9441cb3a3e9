"""Unit tests of tools/gen_addon_readme.py: the Markdown to reStructuredText
converter, the README.rst layout, --check, and the committed README.rst
files being up to date. No database, no Odoo server."""

import importlib.util
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "gen_addon_readme.py"
spec = importlib.util.spec_from_file_location("gen_addon_readme", TOOL)
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

ADDONS = [path.parent.name for path in sorted(ROOT.glob("*/__manifest__.py"))]


def md(text, base_level=3):
    """The converted Markdown; it must render without a warning."""
    rst = gen.md_to_rst(textwrap.dedent(text), base_level)
    document = "=====\nTitle\n=====\n\nSection\n=======\n\n" + rst + "\n"
    assert gen.render_errors(document) == [], rst
    return rst


def html(rst):
    from docutils.core import publish_parts

    return publish_parts(rst, writer_name="html")["body"]


# ----------------------------------------------------------------------
# The converter, construct by construct
# ----------------------------------------------------------------------


def test_paragraphs_keep_their_lines():
    assert md("One line\nand the next.\n\nAnother.\n") == (
        "One line\nand the next.\n\nAnother."
    )


def test_headings_start_under_the_section_and_skip_no_level():
    assert md("# Top\n\ntext\n\n### Deeper\n\nmore\n") == (
        "Top\n---\n\ntext\n\nDeeper\n~~~~~~\n\nmore"
    )
    assert md("Setext\n======\n\nSub\n---\n") == "Setext\n------\n\nSub\n~~~"
    # in DESCRIPTION, which has no heading of its own
    assert md("## Why\n\ntext\n", base_level=2) == "Why\n===\n\ntext"


def test_bullet_and_numbered_lists():
    assert md("- one\n- two\n  wrapped\n* three\n") == (
        "- one\n- two\n  wrapped\n\n- three"
    )
    # Markdown numbers loosely; reStructuredText wants them in sequence
    assert md("1. first\n1. second\n1. third\n") == ("1. first\n2. second\n3. third")
    assert md("3. from three\n4. four\n") == "3. from three\n4. four"


def test_nested_lists_and_items_of_several_paragraphs():
    rst = md(
        """\
        1. Step one:
           - a
           - b

           After the list, same item.
        2. Step two.
        """
    )
    assert rst == (
        "1. Step one:\n\n"
        "   - a\n   - b\n\n"
        "   After the list, same item.\n\n"
        "2. Step two."
    )
    body = html(rst)
    assert body.count("<ol") == 1 and body.count("<ul") == 1
    assert "After the list, same item." in body.split("</ol>")[0]


def test_lazy_continuation_and_blank_lines_between_items():
    assert md("- item\ncontinued\n\n- next\n") == "- item\n  continued\n- next"


def test_contributors_format_company_with_persons():
    rst = md("- Company\n  - Jane <jane@example.com>\n")
    assert rst == "- Company\n\n  - Jane <jane@example.com>"
    assert "mailto:jane&#64;example.com" in html(rst)


def test_inline_code_bold_italic():
    assert md("Use `a_b_` and ``x ` y``, **bold** and *italic*.") == (
        "Use ``a_b_`` and ``x ` y``, **bold** and *italic*."
    )
    # emphasis glued to a word: an escaped space, which renders as nothing
    rst = md("**KR**s and x*y*")
    assert rst == "**KR**\\ s and x\\ *y*"
    assert "<strong>KR</strong>s" in html(rst)
    # markup inside bold or italic, which reStructuredText cannot nest
    assert md("**the `code` inside** and *a **b** c*") == (
        "**the code inside** and *a b c*"
    )
    rst = md("__strong__ but not__this__")
    assert rst == "**strong** but not\\__this\\_\\_"
    assert "<strong>strong</strong> but not__this__" in html(rst)


def test_links_images_and_autolinks():
    assert md("See [the docs](https://example.com/a_b) now.") == (
        "See `the docs <https://example.com/a_b>`__ now."
    )
    assert md("<https://example.com> and [https://x.org](https://x.org)") == (
        "https://example.com and https://x.org"
    )
    assert md("![A screen](static/img/shot.png)") == (
        ".. image:: static/img/shot.png\n   :alt: A screen"
    )
    assert md("Twice: [a](https://a.org), [a](https://b.org).").count("`__") == 2


def test_fenced_and_indented_code():
    rst = md("Run:\n\n```sh\nmake demo\n\n  indented\n```\n\n    raw *text*\n")
    assert rst == (
        "Run:\n\n::\n\n    make demo\n\n      indented\n\n::\n\n    raw *text*"
    )
    assert md("- item:\n\n  ```python\n  x = 1\n  ```\n") == (
        "- item:\n\n  ::\n\n      x = 1"
    )


def test_tables():
    rst = md(
        """\
        | Preset | Counts |
        |---|:---:|
        | `a` \\| b | *won* deals |
        | empty | |
        """
    )
    assert rst == (
        ".. list-table::\n   :header-rows: 1\n\n"
        "   * - Preset\n     - Counts\n"
        "   * - ``a`` \\| b\n     - *won* deals\n"
        "   * - empty\n     -"
    )
    assert html(rst).count("<tr>") == 3


def test_text_that_would_be_markup_is_escaped():
    # a reference (name_), a substitution (|x|), stars, backslashes
    assert md("okr_sales_ and |x| and 2 * 3 and a\\b") == (
        "okr_sales\\_ and \\|x\\| and 2 \\* 3 and a\\\\b"
    )
    # what would start a list, an enumeration, a comment, a field or a
    # literal block
    assert md("1\\. not a list") == "1\\. not a list"
    assert md("\\- not a bullet") == "\\- not a bullet"
    assert md(":field: text") == "\\:field: text"
    assert md("ends with::") == "ends with:\\:"
    # a lone punctuation mark would be read as a transition or a title line
    assert md("| Unit |\n|---|\n| % |\n").endswith("   * - \\%")
    body = html(md("1\\. not a list, ends with::"))
    assert "1. not a list, ends with::" in body and "<ol" not in body


def test_fragments_render_cleanly():
    for addon in ADDONS:
        for path in sorted((ROOT / addon / "readme").glob("*.md")):
            md(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------
# README.rst and --check
# ----------------------------------------------------------------------


def make_addon(folder, description="What it does.", **manifest):
    values = {
        "name": "Test Addon",
        "summary": "A summary",
        "version": "19.0.1.0.0",
        "website": "https://github.com/okr-sales/okr_sales",
        "author": "okr_sales contributors",
        "maintainers": ["okr-sales"],
        "license": "AGPL-3",
        "development_status": "Beta",
        "depends": ["base"],
    }
    values.update(manifest)
    folder.mkdir()
    (folder / "__manifest__.py").write_text(repr(values), encoding="utf-8")
    (folder / "readme").mkdir()
    (folder / "readme" / "DESCRIPTION.md").write_text(description, encoding="utf-8")
    return folder


def test_layout_follows_oca(tmp_path):
    addon = make_addon(tmp_path / "test_addon")
    fragments = {
        "USAGE": "Use it.",
        "CONFIGURE": "Configure it.",
        "ROADMAP": "- later",
        "HISTORY": "## 1.0\n\nFirst.",
        "INSTALL": "Install it.",
        "CONTRIBUTORS": "- okr_sales contributors",
        "CREDITS": "Thanks.",
        "DEVELOP": "Developer notes.",
    }
    for name, text in fragments.items():
        (addon / "readme" / f"{name}.md").write_text(text, encoding="utf-8")
    rst = gen.generate(addon)
    assert rst.startswith("==========\nTest Addon\n==========\n\n..\n")
    assert "do not modify it manually" in rst
    assert "maturity-Beta-yellow" in rst and "license-AGPL--3-blue" in rst
    order = [
        "A summary",
        "What it does.",
        ".. contents::",
        "Installation\n====",
        "Configuration\n====",
        "Usage\n====",
        "Known issues / Roadmap\n====",
        "Changelog\n====",
        "1.0\n---",
        "Bug Tracker\n====",
        "Credits\n====",
        "Authors\n----",
        "- okr_sales contributors",
        "Contributors\n----",
        "Other credits\n----",
        "Maintainers\n----",
        "|maintainer-okr-sales|",
    ]
    positions = [rst.index(text) for text in order]
    assert positions == sorted(positions)
    assert "Developer notes." not in rst
    assert "tree/19.0/test_addon" in rst
    assert gen.render_errors(rst) == []


def test_sections_without_fragment_are_left_out(tmp_path):
    rst = gen.generate(make_addon(tmp_path / "bare", maintainers=[]))
    for title in ("Installation", "Configuration", "Usage", "Contributors"):
        assert f"\n{title}\n" not in rst
    assert "|maintainer-" not in rst
    assert gen.render_errors(rst) == []


def test_check_detects_drift_and_write_fixes_it(tmp_path, capsys):
    addon = make_addon(tmp_path / "drift")
    assert gen.main(["--check", str(addon)]) == 1  # no README.rst yet
    assert "drift/README.rst differs" in capsys.readouterr().out
    assert gen.main([str(addon)]) == 0
    assert gen.main(["--check", str(addon)]) == 0
    (addon / "readme" / "USAGE.md").write_text("New usage.", encoding="utf-8")
    capsys.readouterr()
    assert gen.main(["--check", str(addon)]) == 1
    assert "drift/README.rst differs" in capsys.readouterr().out
    assert "New usage." not in (addon / "README.rst").read_text(encoding="utf-8")


def test_a_developer_note_in_readme_is_not_part_of_it(tmp_path):
    addon = make_addon(tmp_path / "notes")
    assert gen.main([str(addon)]) == 0
    (addon / "readme" / "DEVELOP.md").write_text("Engine notes.", encoding="utf-8")
    assert gen.main(["--check", str(addon)]) == 0
    assert "Engine notes." not in (addon / "README.rst").read_text(encoding="utf-8")


def test_a_rendering_error_fails_both_modes(tmp_path, capsys, monkeypatch):
    addon = make_addon(tmp_path / "broken")
    assert gen.main([str(addon)]) == 0
    written = (addon / "README.rst").read_text(encoding="utf-8")
    monkeypatch.setattr(gen, "generate", lambda addon: written + "\n`unclosed\n")
    capsys.readouterr()
    for argv in (["--check", str(addon)], [str(addon)]):
        assert gen.main(argv) == 1
        out = capsys.readouterr().out
        assert "broken/README.rst: the generated README.rst does not render" in out
        assert "WARNING" in out
    # nothing written when it does not render
    assert (addon / "README.rst").read_text(encoding="utf-8") == written


def test_render_errors_reports_warnings():
    assert gen.render_errors("Title\n=====\n\nfine *text*\n") == []
    assert gen.render_errors("Title\n====\n") != []  # underline too short
    assert gen.render_errors(".. unknown-directive::\n") != []


def test_not_an_addon_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exit_:
        gen.main([str(tmp_path)])
    assert exit_.value.code == 2


# ----------------------------------------------------------------------
# The repository's addons
# ----------------------------------------------------------------------


@pytest.mark.parametrize("addon", ADDONS)
def test_committed_readme_is_up_to_date(addon):
    readme = ROOT / addon / "README.rst"
    assert readme.read_text(encoding="utf-8") == gen.generate(ROOT / addon), (
        f"{addon}/README.rst is stale: run python3 tools/gen_addon_readme.py"
    )
    assert gen.render_errors(readme.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("addon", ADDONS)
def test_manifest_has_oca_keys(addon):
    manifest = gen.read_manifest(ROOT / addon)
    assert manifest["development_status"] in gen.DEV_STATUS_COLORS
    assert manifest["website"].startswith("https://")
    assert manifest["maintainers"] and isinstance(manifest["maintainers"], list)
    assert (ROOT / addon / "readme" / "CONTRIBUTORS.md").is_file()
