# The playground as a container image: `docker build -t backprop-playground .` (CPU), or for an NVIDIA GPU
# `docker build --build-arg EXTRAS="[cuda]" -t backprop-playground:cuda .` (jax[cuda12] brings CUDA's libraries as
# wheels: the host needs only the driver and the NVIDIA container toolkit). compose.yaml runs replicas behind nginx.
FROM python:3.11-slim

ARG EXTRAS=""
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # JAX otherwise takes 75 % of a GPU's memory per process: replicas on one GPU would not fit
    XLA_PYTHON_CLIENT_PREALLOCATE=false \
    # compiled programs survive restarts (compose mounts a volume here); engine/cache.py
    BACKPROP_JAX_CACHE=/cache/jax \
    # the app's own CSV / import limit is 2,000,000 bytes (engine/limits.py MAX_UPLOAD_BYTES); Streamlit's unit is MB
    STREAMLIT_SERVER_MAX_UPLOAD_SIZE=2 \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /src
COPY pyproject.toml README.md ./
COPY engine ./engine
COPY playground ./playground
RUN pip install ".${EXTRAS}" && rm -rf /src \
    && useradd --create-home --uid 10001 app && mkdir -p /cache/jax && chown -R app /cache

USER app
WORKDIR /home/app
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
# playground/cli.py: `streamlit run` on the packaged serve.py; the package's config.toml listens on 127.0.0.1
CMD ["backprop-playground", "--server.address", "0.0.0.0", "--server.port", "8501"]
