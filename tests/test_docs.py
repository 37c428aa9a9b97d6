"""The repository's generated docs stay true to the code: the rulebook page and the layout
tree of docs/architecture.md."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_docs_{name}", ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_rulebook_doc_matches_the_rulebooks():
    rulebook_doc = _script("rulebook_doc")
    committed = (ROOT / "docs" / "rulebook.md").read_text(encoding="utf-8")
    assert committed == rulebook_doc.render(), (
        "docs/rulebook.md differs from the rulebook data: run scripts/rulebook_doc.py"
    )


def test_layout_tree_lists_every_module_and_no_other():
    layout = _script("layout_tree")
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert layout.BEGIN in text and layout.END in text
    have, want = layout.listed(text), set(layout.modules())
    assert not want - have, f"missing from the tree (run scripts/layout_tree.py): {want - have}"
    assert not have - want, f"listed but gone (run scripts/layout_tree.py): {have - want}"


def test_layout_tree_reads_back_what_it_renders(tmp_path):
    layout = _script("layout_tree")
    for path in ("core/__init__.py", "credit/a/__init__.py", "credit/a/b.py", "credit/c.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(f'"""Module {path}. More."""\n', encoding="utf-8")
    rendered = layout.block(tmp_path)
    assert layout.listed(rendered) == set(layout.modules(tmp_path))
    assert "credit/c.py" in layout.listed(rendered)
    assert "Module core/__init__.py" in rendered and "More" not in rendered


def test_docs_link_only_inside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    for doc in ("docs/architecture.md", "docs/rulebook.md", "docs/deploy.md"):
        assert f"]({doc})" in readme
