# mapapp: one image for web (gunicorn), worker and beat (Celery).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The source tree holds templates/ and static/ beside the packages; import from it.
    PYTHONPATH=/app

# WeasyPrint's libraries (PDF export) and fonts for the four languages (CJK included).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 --shell /usr/sbin/nologin app

WORKDIR /app
COPY . /app
RUN pip install . \
 && mkdir -p /app/staticfiles /app/media /app/var/attachments \
 && chown -R app:app /app/staticfiles /app/media /app/var

USER app
EXPOSE 8000

# docker-compose.yml sets the command per service; this is the web default.
CMD ["gunicorn", "mapapp.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
