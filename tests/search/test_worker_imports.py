"""An idle web worker does not load the libraries only some requests or commands use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: each is imported where it is used (pypinyin when indexing, reportlab for PDFs, openpyxl for
#: spreadsheets, shapely and cnmaps for the boundary index, jieba itself only for its dict.txt)
LAZY = ("pypinyin", "reportlab", "openpyxl", "shapely", "cnmaps", "jieba", "rjieba", "PIL")


def test_the_app_loads_without_the_heavy_modules(tmp_path):
    code = (
        "import json, sys, wsgi; "
        f"print(json.dumps([m for m in {list(LAZY)!r} if m in sys.modules]))"
    )
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path}/w.db",
        ENVCREDIT_INSTANCE=str(tmp_path),
        SECRET_KEY="test-secret",
    )
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(run.stdout.strip().splitlines()[-1]) == []
    # and the segmenter is loaded at start-up, not by the first search
    check = "import sys, wsgi; print('jieba_fast_dat' in sys.modules)"
    run = subprocess.run(
        [sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip().splitlines()[-1] == "True"
