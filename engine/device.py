"""Which device JAX runs on."""

import jax


def describe() -> str:
    """'CPU' or the accelerator's name, e.g. 'GPU: NVIDIA H100 80GB HBM3'."""
    d = jax.devices()[0]
    if d.platform == "cpu":
        return "CPU"
    return f"{d.platform.upper()}: {d.device_kind}"
