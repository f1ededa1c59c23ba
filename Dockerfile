# Pazhou service image: slim Python, non-root user, migrations then uvicorn.
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PAZHOU_ENVIRONMENT=production \
    PAZHOU_DATA_DIR=/data

WORKDIR /srv/pazhou
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY policies ./policies
COPY anonymizers ./anonymizers
COPY migrations ./migrations
RUN pip install --upgrade pip && pip install -e . \
    && useradd --system --uid 10001 --home-dir /srv/pazhou pazhou \
    && mkdir -p /data && chown pazhou /data

USER pazhou
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

# PAZHOU_SECRET_KEY and PAZHOU_DATABASE_URL come from the deployment (never baked in).
CMD ["sh", "-c", "pazhou db upgrade && exec uvicorn app.main:create_app --factory --host 0.0.0.0 --port 8000 --workers ${PAZHOU_WORKERS:-2} --no-access-log"]
