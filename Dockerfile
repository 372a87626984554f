# The AI-PAL web image: Django under gunicorn, run as an unprivileged user.
# Settings come from the environment (see .env.example and docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=aipal.settings.production

RUN groupadd --system aipal \
    && useradd --system --gid aipal --create-home --home-dir /home/aipal --shell /usr/sbin/nologin aipal

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root: the app user reads it and writes nothing under /app.
COPY . .
# Production settings insist on a real secret and REDIS_URL; collectstatic needs neither.
RUN DJANGO_SECRET_KEY=collectstatic-build-only REDIS_URL=redis://127.0.0.1:6379/0 \
    python manage.py collectstatic --noinput

USER aipal
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
