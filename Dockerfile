# convplay for a classroom: one `docker run`, CPU-only torch, a non-root server, a health check.
#
#   docker build -t convplay .
#   docker run --rm -p 8000:8000 convplay          # then open http://localhost:8000
#
# Build arguments (all optional):
#   BASE_IMAGE           a Debian-like image with python3 (3.11+) and its venv module
#   PIP_INDEX_URL        the package index (default PyPI)
#   PIP_EXTRA_INDEX_URL  where the CPU build of torch comes from (default PyTorch's CPU index);
#                        pass an empty value when PIP_INDEX_URL already serves CPU torch
#   PIP_FIND_LINKS       a wheelhouse (URL or path) to search as well
#   PIP_NO_INDEX         1 = install from PIP_FIND_LINKS alone (an offline build)
# These values are recorded in the image history: never put credentials in them.
# Runtime environment: CONVPLAY_WORKERS (default 1), CONVPLAY_PORT (default 8000), and any
# CONVPLAY_* limit the app reads; see "For classrooms" in README.md.
ARG BASE_IMAGE=python:3.11-slim

# Stage 1 only extracts the dependency list, so that editing pyproject.toml elsewhere (tools,
# test extras, version) leaves the large dependency layer of stage 2 in the build cache.
FROM ${BASE_IMAGE} AS requirements
WORKDIR /src
COPY pyproject.toml ./
RUN python3 -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); print('\n'.join(p['build-system']['requires'] + p['project']['dependencies']))" > requirements.txt

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="convplay" \
      org.opencontainers.image.description="Watch a 2-D convolution happen number by number, checked against PyTorch." \
      org.opencontainers.image.licenses="MIT"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CONVPLAY_WORKERS=1 \
    CONVPLAY_PORT=8000

# A font with Chinese glyphs for the pages' figures (app/figures/fonts.py). Not pinned: the
# base image's Debian release fixes its version. A build that cannot reach a Debian mirror
# goes on without it: the Chinese figures then have English labels.
# hadolint ignore=DL3008
RUN (apt-get update \
     && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-wqy-microhei) \
    || echo "fonts-wqy-microhei not installed: Chinese figures will have English labels" >&2; \
    rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 convplay \
    && useradd --system --uid 10001 --gid convplay --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin convplay \
    && python3 -m venv /opt/venv

ARG PIP_INDEX_URL=https://pypi.org/simple
ARG PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG PIP_FIND_LINKS=
ARG PIP_NO_INDEX=0

# Dependencies only (plus the build backend, so the project install below needs no index):
# this layer is rebuilt when the dependency list or constraints.txt change, not on code edits.
# Empty index settings are unset first: pip would read an empty value as a location.
# The last line refuses a CUDA torch, which an unreachable CPU index would silently let in.
COPY --from=requirements /src/requirements.txt /tmp/requirements.txt
COPY constraints.txt /tmp/constraints.txt
RUN if [ -z "$PIP_INDEX_URL" ]; then unset PIP_INDEX_URL; fi \
    && if [ -z "$PIP_EXTRA_INDEX_URL" ]; then unset PIP_EXTRA_INDEX_URL; fi \
    && if [ -z "$PIP_FIND_LINKS" ]; then unset PIP_FIND_LINKS; fi \
    && pip install --no-cache-dir -c /tmp/constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt /tmp/constraints.txt \
    && python -c "import sys, torch; sys.exit(torch.version.cuda and 'torch %s is a CUDA build: set PIP_EXTRA_INDEX_URL to a CPU index' % torch.__version__)"

# The code: an editable install, so the package metadata (the version in /healthz) is
# there while app/, convcore/, static/ and templates/ stay side by side under /app.
# .dockerignore is an allowlist: only what the server needs reaches this COPY.
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir --no-index --no-deps --no-build-isolation --editable . \
    && python -m compileall -q app convcore

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/opt/venv/bin/python", "-c", "import json, os, urllib.request as u; r = u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('CONVPLAY_PORT', '8000'), timeout=4); raise SystemExit(json.load(r).get('status') != 'ok')"]
# docker-start ends in `exec python -m app.serve` (uvicorn with the CONVPLAY_* timeouts and
# connection cap), so the server is PID 1 and gets `docker stop`'s SIGTERM.
# Arguments after the image name go to uvicorn, e.g. `--root-path /convplay`.
ENTRYPOINT ["sh", "/app/scripts/docker-start"]
CMD []
