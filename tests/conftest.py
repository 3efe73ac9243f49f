import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BACKPROP_JAX_CACHE", str(ROOT / ".pytest_cache" / "jax"))
os.environ.setdefault("BACKPROP_PREWARM", "0")  # the app's background warm-up (playground/warm.py) stays off
