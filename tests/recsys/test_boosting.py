from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from recsys.boosting import lightgbm
lgb = lightgbm()
assert "sklearn" not in sys.modules, "scikit-learn was imported"
assert hasattr(lgb, "train") and hasattr(lgb, "Booster")
import sklearn  # the block is lifted after the import
assert sys.modules["sklearn"] is sklearn
print("ok")
"""


def test_lightgbm_imports_without_scikit_learn_and_leaves_it_importable() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
