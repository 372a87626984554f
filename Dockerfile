# The AI-PAL images, two targets of one build (docker-compose.yml builds both):
#   web    Django under gunicorn, run as an unprivileged user (the default target)
#   proxy  nginx in front of it, serving the static files collected in the web stage
# Settings come from the environment (see .env.example and docker-compose.yml).
FROM python:3.11-slim AS web

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=aipal.settings.production

RUN groupadd --system aipal \
    && useradd --system --gid aipal --create-home --home-dir /home/aipal --shell /usr/sbin/nologin aipal

WORKDIR /app

# The lock: every package pinned with its hashes, checked; wheels only, so no package
# runs code of its own at install time.
COPY requirements.txt .
RUN pip install --require-hashes --only-binary=:all: -r requirements.txt

# The code stays owned by root: the app user reads it and writes nothing under /app.
COPY . .
# Production settings insist on a strong secret, DATABASE_URL and REDIS_URL; collectstatic
# uses none of them (nor connects): a throwaway key, never kept in the image.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DATABASE_URL=postgres://build@127.0.0.1:5432/unused REDIS_URL=redis://127.0.0.1:6379/0 \
    python manage.py collectstatic --noinput

USER aipal
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]

# The reverse proxy: buffers requests and answers so that slow clients never hold a
# gunicorn sync worker, and serves /static/ from the files collected above.
FROM nginx:1.28-alpine AS proxy
COPY --from=web /app/staticfiles /srv/static
COPY deploy/nginx/aipal.conf /etc/nginx/conf.d/default.conf

# `docker build .` without --target builds the web image.
FROM web
