"""One rule for free text: every form's text fields and every importer normalise input."""

from __future__ import annotations

import importlib
import pkgutil
import smtplib

from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField

import conferences
from conferences import text
from conferences.formutil import PageForm
from conferences.notifications import services as mail

DIRTY = "  Grand\x0b rounds\tat\x07 noon\r\n\r\nsecond\u2028line\x00 \x7f\x85 "


def test_one_line_and_multi_line():
    assert text.one_line(DIRTY) == "Grand rounds at noon second line"
    assert text.multi_line(DIRTY) == "Grand\n rounds\tat noon\n\nsecond\nline"
    assert text.one_line(None) == ""
    assert text.multi_line("a\rb\r\nc") == "a\nb\nc"
    assert not text.has_forbidden(text.feed_text(DIRTY))
    assert text.header_value("Session cancelled: Morning\nreport") == (
        "Session cancelled: Morning report"
    )


def _all_page_forms() -> list[type]:
    for module in pkgutil.walk_packages(conferences.__path__, "conferences."):
        if module.name.endswith(("forms", "excusal_forms")):
            importlib.import_module(module.name)
    found, todo = [], list(PageForm.__subclasses__())
    while todo:
        form = todo.pop()
        found.append(form)
        todo.extend(form.__subclasses__())
    return found


def test_every_text_field_of_every_form_is_normalised(app_ctx):
    """Each StringField is one line and each TextAreaField keeps its line breaks, with
    no other control character, on every form of the application."""
    checked: list[str] = []
    for form_class in _all_page_forms():
        unbound = {
            name: field
            for name in dir(form_class)
            if hasattr(field := getattr(form_class, name), "field_class")
        }
        data = MultiDict()
        for name, field in unbound.items():
            if issubclass(field.field_class, StringField):
                data[name] = DIRTY
        with app_ctx.test_request_context(method="POST", data=data):
            form = form_class()
        for name, field in unbound.items():
            kind = field.field_class
            if not issubclass(kind, StringField):
                continue
            value = form[name].data
            if issubclass(kind, (PasswordField, HiddenField)):
                assert value == DIRTY, (form_class, name)
                continue
            checked.append(f"{form_class.__name__}.{name}")
            if issubclass(kind, TextAreaField):
                assert value == text.multi_line(DIRTY), (form_class, name, value)
            else:
                assert value == "Grand rounds at noon second line", (form_class, name, value)
    assert len(checked) >= 25, checked
    assert "NewSessionForm.title" in checked
    assert "NewSessionForm.description" in checked
    assert "CancelForm.reason" in checked
    assert "HolidayForm.name" in checked


def test_new_session_form_stores_clean_title(app_ctx, client, make_user, auth):
    from conferences.extensions import db
    from conferences.schedule.models import Session

    make_user(roles=("coordinator",), email="c@example.test")
    db.session.commit()
    auth.login("c@example.test")
    answer = client.post(
        "/sessions/new",
        data={
            "title": "Morning\nreport\x0b",
            "kind": "lecture",
            "day": "2031-03-04",
            "start_time": "12:00",
            "end_time": "13:00",
            "room": "Room\t4",
            "description": "Line one\r\nLine\x07 two",
        },
    )
    assert answer.status_code == 303, answer.data
    session = db.session.scalar(db.select(Session))
    assert (session.title, session.room) == ("Morning report", "Room 4")
    assert session.description == "Line one\nLine two"


def test_schedule_import_cells_are_one_line(app_ctx, make_user):
    from conferences.schedule import importer

    parsed = importer.parse(
        'date,start,end,title,location\n2031-03-04,12:00,13:00,"Bell\x07 and\ntab\tthere",R\x0b1\n'
    )
    assert not parsed.errors, parsed.errors
    (row,) = parsed.rows
    assert (row.title, row.room) == ("Bell and tab there", "R 1")


def test_roster_import_names_are_one_line(app_ctx, make_user):
    from conferences.people import services

    assert services.clean_name("Ada\x0b\tLovelace\n") == "Ada Lovelace"


class _FakeSMTP:
    sent: list = []

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        _FakeSMTP.sent.append(message)


def test_mail_subject_never_carries_a_line_break(app_ctx, make_user, monkeypatch):
    """A session title with a line break went into a subject: SMTP delivery raised."""
    monkeypatch.setattr(smtplib, "SMTP", _FakeSMTP)
    app_ctx.config["MAIL_BACKEND"] = "smtp"
    _FakeSMTP.sent = []
    try:
        user = make_user()
        message = mail.send(user, "Session cancelled: Morning\r\nreport", "Body\nline")
    finally:
        app_ctx.config["MAIL_BACKEND"] = "outbox"
    assert message.subject == "Session cancelled: Morning report"
    assert not message.error
    assert message.sent_at is not None
    (sent,) = _FakeSMTP.sent
    assert sent["Subject"] == "Session cancelled: Morning report"
