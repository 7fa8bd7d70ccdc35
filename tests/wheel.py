"""Build chatgate's wheel for the packaging and install tests, one build at a time.

setuptools writes ``build/`` and ``chatgate.egg-info/`` in the source tree, so two
builds at once (pytest-xdist workers, or two test legs) would trip over each other:
a lock file in the system's temporary folder makes them take turns.
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(out: Path) -> Path:
    """The wheel of the working tree, built into ``out``."""
    name = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"chatgate-wheel-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
        subprocess.run([*command, "-q", "-w", str(out), str(ROOT)], check=True, capture_output=True)
    (wheel,) = out.glob("chatgate-*.whl")
    return wheel
