# rallybot: the bot alone; Redis/Valkey runs beside it (see compose.yaml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 rallybot
WORKDIR /app

# The same package definition CI installs (./run: pip install -e ".[dev]"), without the
# test tools and not editable.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY charts ./charts
RUN pip install .

USER rallybot
ENV RALLYBOT_DATA_DIR=/home/rallybot/data \
    RALLYBOT_METRICS_PORT=9100 \
    RALLYBOT_METRICS_LISTEN=0.0.0.0
EXPOSE 9100 8443

HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:9100/healthz', timeout=4).status != 200)"]

CMD ["rallybot", "run"]
