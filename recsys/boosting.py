"""LightGBM, imported without its scikit-learn wrapper.

`lightgbm.compat` imports scikit-learn (and with it scipy.stats) only for the `LGBM*` estimator classes;
that costs about 1.1 s, a tenth of the batch job's time budget, and recsys never uses those classes (it
calls `lightgbm.train` and `lightgbm.Booster`). When scikit-learn is not imported yet, it is hidden for
the duration of the import, so LightGBM takes its "scikit-learn not installed" path; the block is
lifted right after, so any later `import sklearn` in the process works as usual.
"""

from __future__ import annotations

import importlib
import sys
import threading
from types import ModuleType

_LOCK = threading.Lock()


def lightgbm() -> ModuleType:
    with _LOCK:
        if "lightgbm" in sys.modules or "sklearn" in sys.modules:
            return importlib.import_module("lightgbm")
        sys.modules["sklearn"] = None  # type: ignore[assignment]  # makes `import sklearn` raise ImportError
        try:
            return importlib.import_module("lightgbm")
        finally:
            del sys.modules["sklearn"]
