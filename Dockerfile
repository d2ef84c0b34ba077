# syntax=docker/dockerfile:1
# YouSync image: one image for the web (gunicorn), the live server for WebSockets and
# SSE (uvicorn), the worker (rundramatiq), the scheduler and the one-shot migrate.
# Not exercised by CI (no Docker engine there); it runs the same commands as the Makefile.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# torch comes from PyTorch's CPU wheel index, installed first and alone: PyPI's build is
# the CUDA one, which pulls several GB of nvidia-* packages the workers never use.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# A mirror of PyPI, if the build must use one (empty: PyPI itself).
ARG PIP_EXTRA_INDEX_URL=""
ENV PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL}
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build
COPY requirements*.txt ./
# torch's version is read from requirements.txt, so the two cannot drift; 2.13.0+cpu
# satisfies `torch==2.13.0` there, and its dependencies come from PyPI with the rest.
# The build fails if a CUDA package slipped in anyway.
RUN pip install --upgrade pip wheel \
 && TORCH_VERSION=$(sed -n 's/^torch==//p' requirements.txt) \
 && test -n "$TORCH_VERSION" \
 && pip install --no-deps --index-url "$TORCH_INDEX_URL" "torch==$TORCH_VERSION" \
 && pip install -r requirements.txt \
 && if [ -f requirements-nodeps.txt ]; then pip install --no-deps -r requirements-nodeps.txt; fi \
 && if pip list --format=freeze | grep -i '^nvidia-'; then echo "CUDA packages installed" >&2; exit 1; fi \
 && python -c "import torch; assert torch.version.cuda is None, torch.version.cuda"

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
