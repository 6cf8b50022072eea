# Production image: gunicorn on port 8000 as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CONSTRAINT=/app/build-constraints.txt \
    PIP_BUILD_CONSTRAINT=/app/build-constraints.txt \
    DJANGO_SETTINGS_MODULE=helpdesk.settings.production \
    PRIVATE_MEDIA_ROOT=/data/private \
    BACKUP_DIR=/data/backups

WORKDIR /app
RUN useradd --system --create-home --uid 1000 helpdesk \
    && mkdir -p /data/private /data/backups \
    && chown helpdesk /data/private /data/backups

COPY . /app
# collectstatic loads the production settings, which refuse a weak key: it
# gets a throwaway random one (nothing is signed at build time).
RUN pip install -e . \
    && DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       ALLOWED_HOSTS=localhost REDIS_URL=redis://build-only:6379/0 \
       python manage.py collectstatic --noinput

USER helpdesk
VOLUME ["/data/private", "/data/backups"]
EXPOSE 8000
# No gunicorn access log: the app writes one line per request, with its id
# (LOG_FORMAT, README "Operations"). Health checks are the compose file's:
# this image also runs the worker and beat, which serve no HTTP.
CMD ["gunicorn", "helpdesk.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "3"]
