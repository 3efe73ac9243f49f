"""Backprop Playground's engine: a JAX-jitted MLP trainer with explicit backprop. Never imports Streamlit."""

from engine.cache import enable_compilation_cache

enable_compilation_cache()

from engine.config import Config, ConfigError, load_config, parse_config  # noqa: E402
from engine.session import Divergence, Session  # noqa: E402

__all__ = ["Config", "ConfigError", "Divergence", "Session", "load_config", "parse_config"]
