# vitalx API image: `docker compose up` runs it against PostgreSQL (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TZ=Asia/Shanghai \
    VITALX_SIGNING_KEY_FILE=/var/lib/vitalx/keys/signing-key.pem

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY api ./api
COPY migrations ./migrations
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin vitalx \
    && install -d -o vitalx -g vitalx -m 0700 /var/lib/vitalx /var/lib/vitalx/keys

# api.migrate finds alembic.ini and migrations/ beside the api package, which a wheel
# install does not carry: import the package from this source tree, not site-packages.
ENV PYTHONPATH=/app

USER vitalx
EXPOSE 8000
ENTRYPOINT ["vitalx"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
