"""Local development tools: the Shopee simulator and the one-machine runtime.

`python -m local ...` run from the checkout finds the layer's `adsync` package without
PYTHONPATH (as Lambda finds it in /opt/python): its folder is appended to sys.path.
"""

import sys
from pathlib import Path

_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "shared")
if _LAYER not in sys.path:
    sys.path.append(_LAYER)
