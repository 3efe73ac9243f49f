"""JAX's persistent compilation cache: compiled programs survive restarts of the app or the CLI."""

import os
from pathlib import Path

import jax


def enable_compilation_cache(path: str | None = None) -> None:
    d = path or os.environ.get("BACKPROP_JAX_CACHE") or str(Path.home() / ".cache" / "backprop-playground" / "jax")
    try:
        Path(d).mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # read-only home: run without the cache
    jax.config.update("jax_compilation_cache_dir", d)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
