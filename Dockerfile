# One image for every service; the entrypoint module picks the service.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/lienthong
COPY pyproject.toml README.md ./
COPY libs ./libs
COPY services ./services
RUN /opt/lienthong/bin/pip install --no-cache-dir .

FROM python:3.11-slim AS runtime
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin lienthong
COPY --from=build /opt/lienthong /opt/lienthong
ENV PATH=/opt/lienthong/bin:$PATH PYTHONUNBUFFERED=1 LIENTHONG_LISTEN=0.0.0.0:50051
USER 10001
EXPOSE 50051
ENTRYPOINT ["python", "-m"]
CMD ["lienthong.services.identity"]
