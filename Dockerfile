# syntax=docker/dockerfile:1
# YouSync image: one image for the web (gunicorn), the live server for WebSockets and
# SSE (uvicorn) and the worker (rundramatiq).
# Not exercised by CI (no Docker engine there); it runs the same commands as the Makefile.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Set to a PyTorch CPU wheel index to avoid the much larger CUDA build of torch.
ARG PIP_EXTRA_INDEX_URL=""
ENV PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL}
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY requirements*.txt ./
RUN pip install --upgrade pip wheel \
 && pip install -r requirements.txt \
 && if [ -f requirements-nodeps.txt ]; then pip install --no-deps -r requirements-nodeps.txt; fi

FROM python:3.11-slim-bookworm AS runtime
# espeak-ng gives pronunciations for words the dictionary lacks; libsndfile for soundfile;
# festival and its CMU ARCTIC slt HTS voice speak the guide voice (docs/guide-voice.md).
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng libsndfile1 festival festvox-us-slt-hts \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin yousync
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=yousync.settings \
    STATIC_MANIFEST=1 \
    WHITENOISE_USE_FINDERS=0 \
    VAR_DIR=/app/var
WORKDIR /app
COPY --chown=yousync:yousync . .
RUN SECRET_KEY=collectstatic-only VAR_DIR=/tmp/build-var python manage.py collectstatic --noinput \
 && mkdir -p /app/var && chown yousync:yousync /app/var
USER yousync
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["gunicorn", "yousync.wsgi:application", "--config", "ops/gunicorn.conf.py"]
