"""Backprop Playground's engine: a JAX-jitted MLP trainer with explicit backprop. Never imports Streamlit.

Importing it makes two process-wide settings for speed on CPU (they only take effect if JAX has not started
its CPU backend yet, so import `engine` before running anything in JAX):

- `NPROC=0`, unless NPROC is already set: XLA's CPU client then has no intra-op thread pool. Its executor
  otherwise spreads the dozens of tiny kernels of one training step over the pool, and the hand-offs cost more
  than the arithmetic (about 2× slower epochs on 2 cores, and much noisier under load). Large grid evaluations
  measured no slower single-threaded. Set NPROC yourself (e.g. `NPROC=4`) to get the pool back.
- glibc's malloc keeps freed memory for reuse (mmap threshold 32 MiB, trim threshold 128 MiB) instead of
  returning every large buffer to the OS: otherwise each grid evaluation page-faults all its fresh output
  (7.7 MB for a 200² grid of the 7-8×6-1 net: 5.5 ms instead of 1.7 ms). `BACKPROP_MALLOC_TUNE=0` turns this off.
"""

import os
import sys

os.environ.setdefault("NPROC", "0")


def _keep_freed_memory() -> None:
    if os.environ.get("BACKPROP_MALLOC_TUNE", "1") == "0" or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc only (musl has none)
    except (OSError, AttributeError):
        return
    mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: buffers below 32 MiB come from the heap…
    mallopt(-1, 128 << 20)  # M_TRIM_THRESHOLD: …and the heap keeps up to 128 MiB free at its top


_keep_freed_memory()

from engine.cache import enable_compilation_cache  # noqa: E402

enable_compilation_cache()

from engine.config import Config, ConfigError, load_config, parse_config  # noqa: E402
from engine.session import Divergence, Session  # noqa: E402

__all__ = ["Config", "ConfigError", "Divergence", "Session", "load_config", "parse_config"]
