"""Test the source tree, not whatever copy of proctor_client happens to be installed.

Needed when pytest runs from the repository root (rootdir there), where the
client's own directory would otherwise not be importable.
"""

import sys
from pathlib import Path

_CLIENT_DIR = str(Path(__file__).resolve().parent.parent)
if _CLIENT_DIR not in sys.path:
    sys.path.insert(0, _CLIENT_DIR)
