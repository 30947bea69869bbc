"""Sending e-mail: write to the outbox, then deliver through the configured backend.

Every message lands in the outbox table first (admins can read it); with the
``smtp`` backend it is also delivered. A ``dedupe_key`` makes a send idempotent:
a second message with the same key is not created (reminders, digests).
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import exists, select

from conferences import timeutil
from conferences.extensions import db
from conferences.metrics import MAIL
from conferences.notifications.models import OutboxMessage
from conferences.text import header_value

log = logging.getLogger(__name__)


def send(recipient, subject: str, body: str, *, dedupe_key: str | None = None):
    """Queue (and with SMTP, deliver) one message. Returns it, or None if already sent.

    ``recipient`` is a User or an e-mail address. The subject is one line whatever it is
    built from (a session title, say): no mail header ever carries a line break.
    """
    if dedupe_key is not None and already_sent(dedupe_key):
        return None
    email = recipient if isinstance(recipient, str) else recipient.email
    message = OutboxMessage(
        recipient_id=None if isinstance(recipient, str) else recipient.id,
        to_email=header_value(email),
        subject=header_value(subject)[:300],
        body=body,
        dedupe_key=dedupe_key,
    )
    db.session.add(message)
    db.session.flush()
    deliver(message)
    return message


def already_sent(dedupe_key: str) -> bool:
    return bool(db.session.scalar(select(exists().where(OutboxMessage.dedupe_key == dedupe_key))))


def deliver(message: OutboxMessage) -> None:
    backend = current_app.config.get("MAIL_BACKEND", "outbox")
    if backend == "smtp":
        try:
            _send_smtp(message)
        except (OSError, smtplib.SMTPException) as error:
            log.warning("mail to %s failed: %s", message.to_email, error)
            message.error = str(error)[:2000]
            MAIL.labels("failed").inc()
            return
    else:
        log.info("mail (outbox) to %s: %s", message.to_email, message.subject)
    message.sent_at = timeutil.now_utc()
    MAIL.labels("sent").inc()


def _send_smtp(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = header_value(config["MAIL_DEFAULT_SENDER"])
    email["To"] = header_value(message.to_email)
    email["Subject"] = header_value(message.subject)
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
