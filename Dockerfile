# netadvisor HTTP API.
#
#   docker build -t netadvisor .
#   docker run -p 127.0.0.1:8000:8000 netadvisor          # then: curl http://127.0.0.1:8000/healthz
#
# BASE_IMAGE: any Debian-style image with python3 (3.11+) and `python3 -m venv`; the default is the
#   official slim image, pinned to Python 3.11 on Debian 12. `.ci/engine/image-test.sh` builds a local
#   stand-in from Debian packages (no registry needed) and passes it here.
# Offline builds: put wheels made by `pip wheel --wheel-dir wheels .` (netadvisor and its dependencies)
#   in a `wheels/` folder of the build context; the install then uses only those (`--no-index`).
# No `# syntax=` line on purpose: it would make the builder pull a frontend image from a registry.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN python3 -m venv /opt/netadvisor \
 && if [ -d wheels ]; then \
      /opt/netadvisor/bin/pip install --no-cache-dir --no-index --find-links wheels netadvisor; \
    else \
      /opt/netadvisor/bin/pip install --no-cache-dir .; \
    fi \
 && /opt/netadvisor/bin/netadvisor --help >/dev/null

FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="netadvisor" \
      org.opencontainers.image.description="Which Docker network driver to use, why, and the commands to set it up." \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 netadvisor \
 && useradd --system --uid 10001 --gid netadvisor --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin netadvisor
COPY --from=build /opt/netadvisor /opt/netadvisor
# The rule catalogue, outside the package so it can be replaced by a mount (NETADVISOR_RULES_DIR).
COPY rules /srv/netadvisor/rules
ENV PATH=/opt/netadvisor/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NETADVISOR_RULES_DIR=/srv/netadvisor/rules \
    NETADVISOR_PORT=8000
USER 10001:10001
WORKDIR /srv/netadvisor
EXPOSE 8000
# Liveness: GET /healthz on the port the server listens on (no proxy, whatever the environment says).
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:%s/healthz' % os.environ.get('NETADVISOR_PORT', '8000'), timeout=2)"]
CMD ["netadvisor", "serve", "--host", "0.0.0.0"]
