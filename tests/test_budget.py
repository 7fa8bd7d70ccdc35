"""Every page pays only for the gate: the widget's script and stylesheet within their budget.

The budget (DESIGN.md §3) is 12 KB minified and gzipped together. The test gzips the files
as they are, not minified: an upper bound of the minified size, with no minifier to install
(docs/decisions.md).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import chatgate

STATIC = Path(chatgate.__file__).parent / "static" / "chatgate"
BUDGET = 12 * 1024
GATE = ("chatgate.js", "chatgate.css")  # what every page with the widget loads


def test_the_script_and_the_stylesheet_stay_within_12_kb_gzipped():
    sources = b"".join((STATIC / name).read_bytes() for name in GATE)
    size = len(gzip.compress(sources, compresslevel=9))
    assert size <= BUDGET, f"{' + '.join(GATE)}: {size} bytes gzipped, budget {BUDGET}"
