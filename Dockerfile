# syntax=docker/dockerfile:1
# One image per service, built from the same layers:
#   docker build --target identity -t lienthong/identity:<tag> .
#   docker build --target dossiers -t lienthong/dossiers:<tag> .
# The build stage installs the platform into a virtual environment from wheels
# only (no compiler is needed or present); the runtime stage gets that venv and
# nothing else, runs as uid 10001 and keeps no pip.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
RUN python -m venv /opt/lienthong
# Dependencies first: this layer is reused while only the code changes.
COPY pyproject.toml setup.py README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && /opt/lienthong/bin/pip install --only-binary=:all: -r /tmp/requirements.txt
COPY libs ./libs
COPY services ./services
RUN /opt/lienthong/bin/pip install --no-deps . \
 && /opt/lienthong/bin/python -m compileall -q /opt/lienthong/lib \
 && /opt/lienthong/bin/pip uninstall --yes pip setuptools wheel \
 && rm -f /opt/lienthong/bin/pip /opt/lienthong/bin/pip3*

FROM ${PYTHON_IMAGE} AS runtime
# No pip or setuptools in the runtime layer; one unprivileged user.
RUN PIP_ROOT_USER_ACTION=ignore python -m pip uninstall --yes pip setuptools wheel \
 && groupadd --gid 10001 lienthong \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin lienthong
COPY --from=build /opt/lienthong /opt/lienthong
ENV PATH=/opt/lienthong/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LIENTHONG_LOG_FORMAT=json
WORKDIR /tmp
USER 10001:10001
LABEL org.opencontainers.image.title="lienthong" \
      org.opencontainers.image.licenses="Apache-2.0"

FROM runtime AS identity
ENV LIENTHONG_SERVICE=identity \
    LIENTHONG_LISTEN=0.0.0.0:50051
EXPOSE 50051 9464
ENTRYPOINT ["python", "-m", "lienthong.services.identity"]

FROM runtime AS dossiers
ENV LIENTHONG_SERVICE=dossiers \
    LIENTHONG_LISTEN=0.0.0.0:50052
EXPOSE 50052 9464
ENTRYPOINT ["python", "-m", "lienthong.services.dossiers"]
