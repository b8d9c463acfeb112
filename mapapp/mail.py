"""Sending the app's e-mails: every message is a subject, a text body and an HTML alternative,
rendered from emails/<name>-subject.txt, -body.txt and -body.html in the reader's language."""

from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

# For the Celery tasks that send mail: retry what a mail server or the network may fix.
MAIL_TASK_OPTIONS = {
    "autoretry_for": (SMTPException, ConnectionError, OSError),
    "retry_backoff": True,
    "max_retries": 5,
}


def send_templated(
    name: str, context: dict, *, to: str, language: str = "", headers: dict | None = None
) -> None:
    """Render the three templates of `name` in `language` (the site's default when empty) and
    send them to one address (with extra `headers`, e.g. List-Unsubscribe). Templates autoescape:
    user text in `context` stays text."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    message.attach_alternative(html, "text/html")
    message.send()
