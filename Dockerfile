# Production image. The same image runs the web service (gunicorn, the
# default command), the Celery worker and beat, and the one-off `migrate`
# (docker-compose.yml). CI builds it and runs it that way: .ci/container.

# --- Build stage: compilers, the locked dependencies, the static files -------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_BUILD_CONSTRAINT=/app/build-constraints.txt \
    PYTHONDONTWRITEBYTECODE=1

# For a dependency without a wheel for this platform; none of it reaches the
# final image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# requirements.txt pins every package with its hashes (`make lock`); pip
# refuses anything else. xstatic-bootstrap builds from source with setuptools
# before 81 (build-constraints.txt; older pips read PIP_CONSTRAINT for that).
COPY requirements.txt build-constraints.txt ./
RUN python -m venv /opt/venv \
    && PIP_CONSTRAINT=/app/build-constraints.txt /opt/venv/bin/pip install \
       --require-hashes --use-pep517 -r requirements.txt

# The project runs from /app, not installed: there is nothing to build.
COPY . /app
# collectstatic loads the production settings, which refuse a weak key: it
# gets a throwaway random one (nothing is signed at build time).
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    ALLOWED_HOSTS=localhost REDIS_URL=redis://build-only:6379/0 \
    DJANGO_SETTINGS_MODULE=helpdesk.settings.production \
    /opt/venv/bin/python manage.py collectstatic --noinput \
    && /opt/venv/bin/python -m compileall -q helpdesk accounts organizations \
       tickets notifications integrations reports knowledge

# --- Final stage: what runs ---------------------------------------------------
FROM python:3.11-slim

# PORT and WEB_CONCURRENCY are gunicorn's own: the address it binds
# (0.0.0.0:$PORT) and its worker processes. Three volumes: attachments,
# backups (and the folder a backup unpacks in: it can be as large as the
# attachments, too large for a tmpfs), and state (beat's schedule: on a tmpfs
# every restart would put the daily jobs a day off). Besides them, processes
# write only to /tmp, a tmpfs when the filesystem is read-only: uploads being
# received and gunicorn's control socket (XDG_RUNTIME_DIR, for `gunicornc`).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=helpdesk.settings.production \
    PRIVATE_MEDIA_ROOT=/data/private \
    BACKUP_DIR=/data/backups \
    BACKUP_WORK_DIR=/data/backups/.work \
    HELPDESK_VAR_DIR=/data/state \
    XDG_RUNTIME_DIR=/tmp \
    PORT=8000 \
    WEB_CONCURRENCY=3

# uid 1000 owns the three volumes and nothing else: the code, the virtualenv
# and the static files stay root's, read-only to the app.
RUN groupadd --gid 1000 helpdesk \
    && useradd --uid 1000 --gid helpdesk --home-dir /nonexistent \
        --no-create-home --shell /usr/sbin/nologin helpdesk \
    && mkdir -p /data/private /data/backups/.work /data/state \
    && chown -R helpdesk:helpdesk /data/private /data/backups /data/state

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

USER helpdesk
VOLUME ["/data/private", "/data/backups", "/data/state"]
EXPOSE 8000
# /healthz: the web process answers (it checks nothing else, so a database
# outage does not get containers restarted). The worker, beat and migrate
# serve no HTTP: docker-compose.yml turns this check off for them. No proxy:
# an HTTP_PROXY set for outgoing webhooks must not take the probe elsewhere.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.build_opener(u.ProxyHandler({})).open(f\"http://127.0.0.1:{os.environ['PORT']}/healthz\", timeout=4)"]
# No gunicorn access log: the app writes one line per request, with its id
# (LOG_FORMAT, README "Operations"). gunicorn binds 0.0.0.0:$PORT and starts
# $WEB_CONCURRENCY workers; exec form, so `docker stop` reaches it directly.
CMD ["gunicorn", "helpdesk.wsgi:application"]
