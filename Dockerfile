# One image for every Alpha Arena service: the API (`arena serve`), the workers (`arena worker`),
# the scheduler (`arena scheduler`) and one-shot commands (`arena db upgrade`). compose.yaml runs
# it; docs/operations.md says how. Build: `docker build -t alpha-arena .`

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-slim

# 1. The dashboard: npm packages from the committed lock file, then Vite's build, which writes
#    into the Python package's dashboard/static (web/vite.config.ts), as `make web` does.
FROM ${NODE_IMAGE} AS web
WORKDIR /build/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY openapi.json /build/openapi.json
COPY web/ ./
RUN npm run build --silent

# 2. The Python environment, installed by deploy/install.sh (the script `make` and CI run too)
#    as a wheel into /opt/arena, with the dashboard inside the package. Every dependency ships
#    manylinux wheels (TA-Lib's include its C library), so no compiler is needed.
FROM ${PYTHON_IMAGE} AS install
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY deploy/install.sh deploy/install.sh
COPY src/ src/
COPY --from=web /build/src/alpha_arena/dashboard/static/ src/alpha_arena/dashboard/static/
RUN bash deploy/install.sh /opt/arena \
 && /opt/arena/bin/python -c "from alpha_arena.dashboard import is_built; assert is_built(), 'no dashboard in the package'"

# 3. The runtime: the same base image (the venv's interpreter is its /usr/local/bin/python3.11),
#    the installed environment and nothing else; a non-root user whose home is the working
#    directory (a SQLite database under ./data when ARENA_DATABASE_URL is unset, beat's state).
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/arena/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 arena \
 && useradd --system --uid 10001 --gid arena --home-dir /var/lib/arena --create-home \
      --shell /usr/sbin/nologin arena
COPY --from=install /opt/arena /opt/arena
USER arena
WORKDIR /var/lib/arena
EXPOSE 8000
# The API's health (its database included). Workers and the scheduler serve no HTTP: compose.yaml
# gives the workers their own check (a Celery ping) and turns this one off for the scheduler.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
ENTRYPOINT ["arena"]
CMD ["serve", "--host", "0.0.0.0"]
