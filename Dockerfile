# syntax=docker/dockerfile:1
# One image per registered service, each the `service` stage on the same dependency layers:
#   docker build --target service --build-arg SERVICE=identity --build-arg PORT=50051 -t lienthong/identity:<tag> .
# SERVICE and PORT are a service's name and default_port as `python -m lienthong.registry`
# prints them (deploy/kind/e2e.sh and the Tiltfile build every one from that list), so a new
# service needs nothing here. The build stage installs the runtime and the one service into
# a virtual environment from wheels only (no compiler is needed or present); the image gets
# that venv and nothing else, runs as uid 10001 and keeps no pip.
# One more image, the operators' tools (the `lienthong` command, the smoke test the chart's
# `helm test` runs, the offline audit tools), with every service's registration:
#   docker build --target tools -t lienthong/tools:<tag> .
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS deps
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
RUN python -m venv /opt/lienthong
# Dependencies first: this layer is reused while only the code changes. PIP_INSTALL_OPTIONS
# may point pip elsewhere than the index (`make images` with podman: wheels downloaded on
# the building machine, --no-index --find-links=<their URL>).
ARG PIP_INSTALL_OPTIONS=""
COPY pyproject.toml setup.py README.md ./
COPY libs/lienthong/requirements.txt ./libs/lienthong/requirements.txt
# The build system's requirements too: the project's own wheel is then built without build
# isolation (no index needed), and the install below removes them again.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires']))" > /tmp/build-requirements.txt \
 && /opt/lienthong/bin/pip install $PIP_INSTALL_OPTIONS --only-binary=:all: \
      -r libs/lienthong/requirements.txt -r /tmp/build-requirements.txt

FROM deps AS build
# The runtime and this one service, nothing else: setup.py installs the parts whose
# folders are present, so neither the other services nor the tools (libs/tools,
# libs/devtools, libs/testing) are in the image.
# A service's own dependencies (services/<name>/requirements.txt) are installed beside the
# runtime's; the Debian packages it lists (debian-packages.txt) are kept for the last stage.
ARG SERVICE
ARG PIP_INSTALL_OPTIONS=""
COPY libs/lienthong ./libs/lienthong
COPY services/__init__.py ./services/
COPY services/${SERVICE} ./services/${SERVICE}
RUN if [ -f "services/${SERVICE}/requirements.txt" ]; then \
      /opt/lienthong/bin/pip install $PIP_INSTALL_OPTIONS --only-binary=:all: \
        -r "services/${SERVICE}/requirements.txt"; fi \
 && { grep -v '^#' "services/${SERVICE}/debian-packages.txt" 2>/dev/null || true; } \
      > /opt/debian-packages.txt \
 && /opt/lienthong/bin/pip install --no-deps --no-build-isolation . \
 && /opt/lienthong/bin/python -m compileall -q /opt/lienthong/lib \
 && /opt/lienthong/bin/pip uninstall --yes pip setuptools wheel \
 && rm -f /opt/lienthong/bin/pip /opt/lienthong/bin/pip3*

FROM deps AS tools-build
# The tools' dependencies (the `tools` extra), then the runtime, every service and the tools.
ARG PIP_INSTALL_OPTIONS=""
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['tools']))" > /tmp/tools.txt \
 && /opt/lienthong/bin/pip install $PIP_INSTALL_OPTIONS --only-binary=:all: -r /tmp/tools.txt
COPY libs/lienthong ./libs/lienthong
COPY libs/tools ./libs/tools
COPY services ./services
# Every service's own dependencies: the commands of each service's group import its code.
RUN for wanted in services/*/requirements.txt; do \
      [ -f "$wanted" ] || continue; \
      /opt/lienthong/bin/pip install $PIP_INSTALL_OPTIONS --only-binary=:all: -r "$wanted" \
        || exit 1; done \
 && /opt/lienthong/bin/pip install --no-deps --no-build-isolation . \
 && /opt/lienthong/bin/python -m compileall -q /opt/lienthong/lib \
 && /opt/lienthong/bin/pip uninstall --yes pip setuptools wheel \
 && rm -f /opt/lienthong/bin/pip /opt/lienthong/bin/pip3*

FROM ${PYTHON_IMAGE} AS base
# No pip or setuptools in the image (a Debian base has none to remove); one unprivileged user.
RUN if python -m pip --version >/dev/null 2>&1; then \
      PIP_ROOT_USER_ACTION=ignore python -m pip uninstall --yes pip setuptools wheel; fi \
 && groupadd --gid 10001 lienthong \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin lienthong
ENV PATH=/opt/lienthong/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LIENTHONG_LOG_FORMAT=json
WORKDIR /tmp
LABEL org.opencontainers.image.title="lienthong" \
      org.opencontainers.image.licenses="Apache-2.0"

FROM base AS tools
COPY --from=tools-build /opt/lienthong /opt/lienthong
USER 10001:10001
ENTRYPOINT ["lienthong"]

FROM base AS runtime
COPY --from=build /opt/lienthong /opt/lienthong
USER 10001:10001

FROM runtime AS service
# No defaults: an image must say which service it is.
ARG SERVICE
ARG PORT
# The Debian packages the service lists (none for most), from the base's own archive.
COPY --from=build /opt/debian-packages.txt /tmp/debian-packages.txt
USER root
RUN if [ -s /tmp/debian-packages.txt ]; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends \
           $(cat /tmp/debian-packages.txt) \
      && rm -rf /var/lib/apt/lists/*; fi \
 && rm /tmp/debian-packages.txt
USER 10001:10001
# An unregistered name, or another port than its default, fails here (the message lists the
# registered services) instead of in a pod. The entry point below runs
# lienthong.services.<name>, so the service's module must be that one.
RUN python -c 'import sys; from lienthong import registry; \
known = {s.name: s for s in registry.services()}; \
spec = known.get(sys.argv[1]); \
sys.exit(None if spec and spec.module == "lienthong.services." + spec.name \
         and str(spec.default_port) == sys.argv[2] else \
         f"SERVICE={sys.argv[1]!r} PORT={sys.argv[2]!r}: build with one of " \
         + ", ".join(f"SERVICE={s.name} PORT={s.default_port}" for s in known.values()))' \
    "$SERVICE" "$PORT"
# The chart sets both again (the same name; the port of its values).
ENV LIENTHONG_SERVICE=${SERVICE} \
    LIENTHONG_LISTEN=0.0.0.0:${PORT}
EXPOSE ${PORT} 9464
# An exec-form ENTRYPOINT expands no variable, so a shell names the module and then `exec`s
# it: the service is the container's PID 1 and gets SIGTERM itself. LIENTHONG_SERVICE names
# the one service the image holds. Arguments pass through ("$@").
ENTRYPOINT ["/bin/sh", "-c", "exec python -m \"lienthong.services.${LIENTHONG_SERVICE:?names the service to run}\" \"$@\"", "--"]
