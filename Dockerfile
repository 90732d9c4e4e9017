# Khasan dedicated game server.
#
#   docker build -t khasan-server .
#   docker run --rm -p 127.0.0.1:8765:8765 khasan-server
#
# Configured like `khasan-server` itself: flags, or the KHASAN_* environment variables they
# default to (KHASAN_PORT, KHASAN_PUBLIC_URL, KHASAN_REDIS_URL, KHASAN_TICK_RATE, ...).
# BASE_IMAGE is any Debian-like image with python3 >= 3.11 and its venv module; the build and
# the final stage must use the same one, since the virtualenv links to its interpreter.
ARG BASE_IMAGE=python:3.12-slim

# -- build: install the project and its dependencies into a virtualenv ------------------------
FROM ${BASE_IMAGE} AS build
# Passed through from the builder's environment when set (a private index, a slow network).
ARG PIP_INDEX_URL
ARG PIP_DEFAULT_TIMEOUT=60
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python3 -m venv /opt/khasan
# Dependencies first, from pyproject.toml alone, so that a change to the code reuses this layer:
# all of them but pyglet, the window client's toolkit, which the server never imports.
COPY pyproject.toml ./
RUN python3 -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); \
deps = p['build-system']['requires'] + p['project']['dependencies']; \
print('\n'.join(d for d in deps if not d.startswith('pyglet')))" > /tmp/requirements.txt \
    && /opt/khasan/bin/pip install --no-cache-dir -r /tmp/requirements.txt
COPY README.md ./
COPY maps ./maps
COPY shared ./shared
COPY server ./server
COPY client ./client
# The project itself, then the installers go: the final image runs, it does not install.
RUN /opt/khasan/bin/pip install --no-cache-dir --no-deps --no-build-isolation . \
    && /opt/khasan/bin/pip uninstall --yes --quiet setuptools pip

# -- final: the interpreter, the virtualenv, an unprivileged user -----------------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="khasan-server" \
      org.opencontainers.image.description="Khasan multiplayer wargame: dedicated game server"
ENV PATH=/opt/khasan/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KHASAN_HOST=0.0.0.0 \
    KHASAN_PORT=8765 \
    NUMBA_CACHE_DIR=/tmp/numba-cache
RUN groupadd --gid 10001 khasan \
    && useradd --uid 10001 --gid khasan --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin khasan
COPY --from=build /opt/khasan /opt/khasan
# The compiled searches (paths, supply, the AI's staff work) are compiled here once, into the
# image's numba cache, instead of at every container's first start.
RUN python3 -c "from shared import compiled; compiled.warm_up()" \
    && chmod -R a+rwX "$NUMBA_CACHE_DIR"
USER 10001:10001
WORKDIR /tmp
EXPOSE 8765
# Ready means /healthz answers 200 (it answers 503 while a configured Redis is unreachable).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('KHASAN_PORT', '8765'), timeout=2)"]
ENTRYPOINT ["khasan-server"]
