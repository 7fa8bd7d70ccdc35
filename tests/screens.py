"""Screenshots for docs/, taken only when CHATGATE_SCREENSHOTS=1 (`make screenshots`)."""

from __future__ import annotations

import os
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def save(target, name: str) -> None:
    """``target`` is a Playwright page or locator."""
    if os.environ.get("CHATGATE_SCREENSHOTS"):
        target.screenshot(path=DOCS / f"{name}.png", animations="disabled")
