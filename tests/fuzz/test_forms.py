"""Every POST endpoint in the URL map, fed random form data: never a 500.

The endpoints come from the app's URL map, so a new form cannot be forgotten. Keys are the
field names of the forms the view builds (read from its source) plus anything it reads
from ``request.form``; values are long, unicode, negative, malformed dates and real ids.
URL parameters point at real objects made below. Each endpoint is posted to by the first
of coordinator, admin, resident, faculty that is allowed in.
"""

from __future__ import annotations

import inspect
import io
import re
from dataclasses import dataclass
from datetime import date, time
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from conferences import create_app
from conferences.attendance import claims, excusals, marks
from conferences.extensions import db
from conferences.materials.recording_files import upload as upload_recording_file
from conferences.materials.services import upload as upload_material
from conferences.rotations import services as rotations
from conferences.schedule import importer
from conferences.schedule.holidays import add_holiday
from conferences.teaching.handover import assign_slot
from conferences.teaching.slots import add_slot
from tests.fuzz.conftest import BAD_DATES, HUGE, ODD_TEXT, fuzz_settings, row_counts

# Endpoints not fuzzed here, and why.
SKIPPED = {
    "auth.logout": "takes no input; posting it would sign the shared client out",
}
ANONYMOUS = {"auth.login"}  # posted to by a client nobody is signed in on


def _post_endpoints() -> list[str]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return (
        sorted(
            {r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
            - set(SKIPPED)
        ),
        app.view_functions,
        app.url_map,
    )


ENDPOINTS, VIEWS, URL_MAP = _post_endpoints()


def _field_names(endpoint: str) -> list[str]:
    """Form field names the view can read: its forms' fields and ``request.form`` keys."""
    view = inspect.unwrap(VIEWS[endpoint])
    source = inspect.getsource(view)
    module = inspect.getmodule(view)
    names: set[str] = set(re.findall(r"request\.form\.get\(\"(\w+)\"", source))
    for form_name in set(re.findall(r"\b(\w+Form)\(", source)):
        form_class = getattr(module, form_name, None)
        if form_class is None:
            continue
        for name in dir(form_class):
            if isinstance(getattr(form_class, name, None), UnboundField):
                names.add(name)
                if "prefix=" in source:
                    names.update({f"new-firm-{name}", f"new-track-{name}"})
    return sorted(names | {"next"})


@dataclass
class Objects:
    program: object
    values: dict[str, object]
    overrides: dict[str, dict[str, object]]


@pytest.fixture
def objects(program, make_session):
    """One of everything a URL can name, with the program's people."""
    coordinator, resident = program.coordinator, program.resident
    past = make_session(on=date(2026, 11, 2), start=time(12, 0), title="Monday noon")
    holiday = add_holiday("Fuzz Day", date(2026, 12, 24))
    block = rotations.add_assignment(
        resident, program.rotation, date(2026, 7, 1), date(2026, 7, 31), actor=coordinator
    )
    removed = rotations.add_assignment(
        resident, program.rotation, date(2026, 8, 1), date(2026, 8, 31), actor=coordinator
    )
    removal = rotations.delete_assignment(removed, actor=coordinator)  # Undo may bring it back
    record, _ = importer.apply(
        "date,start,end,title\n2026-11-20,12:00,13:00,Imported\n", "x.csv", coordinator
    )
    upcoming = make_session(on=date(2026, 11, 18), start=time(12, 0), title="Next week")
    slot = add_slot(upcoming, "lecturer", "both", coordinator)
    assign_slot(slot, program.faculty, coordinator)  # the holder may release, swap
    claim = claims.file_claim(past, resident, "The screen was off.")
    marks.set_marks(past, [resident.id], "present", actor=coordinator)  # may rate it
    excusal = excusals.request_excusal(
        resident,
        actor=resident,
        reason="illness",
        starts_on=date(2026, 11, 10),
        ends_on=date(2026, 11, 11),
        confirm=True,
    ).excusal
    material = upload_material(upcoming, coordinator, "slides.pdf", b"%PDF-1.7\n%%EOF\n")
    video = io.BytesIO(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
    upload_recording_file(past, coordinator, "recording.mp4", video)  # a past session's
    db.session.commit()
    values = {
        "public_id": program.session.public_id,
        "slug": program.series.slug,
        "series_id": program.series.id,
        "user_id": resident.id,
        "resident_id": resident.id,
        "kind": "firm",
        "group_id": program.firm.id,
        "type_id": program.rotation.id,
        "block_id": block.id,
        "event_id": removal.id,
        "holiday_id": holiday.id,
        "import_id": record.id,
        "slot_id": slot.id,
        "claim_id": claim.id,
        "excusal_id": excusal.id,
        "material_id": material.id,
        "day": "2026-11-11",
    }
    on_past = {"public_id": past.public_id}
    overrides = {
        "teaching.give_feedback": on_past,
        "materials.recording_file": on_past,
        "materials.upload_recording_file": on_past,
    }
    return Objects(program, values, overrides)


def _url(endpoint: str, values: dict) -> str:
    rule = next(r for r in URL_MAP.iter_rules() if r.endpoint == endpoint)
    missing = set(rule.arguments) - set(values)
    assert not missing, f"add an object for {missing} to the objects fixture"
    adapter = URL_MAP.bind("localhost")
    return adapter.build(endpoint, {name: values[name] for name in rule.arguments})


EXTREME_DATES = ("9999-12-31", "0001-01-01", "1900-01-01", "2199-12-31", "2026-03-08")
DATES = ("2026-11-16", "2026-11-20", "2026-07-01", *EXTREME_DATES)
NUMBERS = ("1", "2", "5", "0", "-1", "52", "2026", "2147483648", "99999999999999999999")
TEXT = ("Sepsis update", "x" * 300, "é" * 5000, "a\x00b", "😀", "   ")
MULTI = {"weekdays", "resident_ids", "firms", "tracks", "rotations", "sessions", "topics"}
MULTI |= {"pgy", "roles", "settings"}
BY_NAME = {
    ("day", "end", "end_on", "ends_on", "start", "start_on", "starts_on"): DATES,
    ("start_time", "end_time"): ("12:00", "13:00", "02:30", "23:59", "00:00", "24:00"),
    ("kind",): ("lecture", "noon_conference", "firm", "track"),
    ("frequency",): ("weekly", "monthly", "daily"),
    ("month_week", "month_weekday", "weekdays"): ("0", "1", "4", "6", "-1", "5", "7"),
    ("mark", "status"): ("present", "absent", "late", "excused", "flagged"),
    ("reason",): ("illness", "other", "Out sick"),
    ("role",): ("lecturer", "moderator"),
    ("eligibility",): ("both", "faculty", "resident"),
    ("scope",): ("this", "upcoming", "all", "none"),
    ("alarm",): ("15", "0", "-5", "1440"),
    ("setting", "settings"): ("icu", "inpatient", "moon"),
    ("pgy",): ("1", "3", "9"),
    ("roles",): ("resident", "coordinator", "admin", "faculty"),
    ("decision", "mode"): ("approve", "deny", "grant", "request"),
    ("topics",): ("cardiology", "nephrology", "nope"),
    ("materials_url", "video_url"): ("https://x.test/a", "javascript:alert(1)", "//evil.test"),
    ("email",): ("new@fuzz.test", "res@fuzz.test", "not-an-email"),
    ("password", "new_password", "confirm", "current_password"): (
        "correct-horse-battery",
        "short",
        "a" * 300,
    ),
    ("required", "excuses", "confirm_past", "public", "prune", "late_counts_as_attended"): (
        "y",
        "on",
        "false",
    ),
}
ID_NAMES = {"firm_id", "track_id", "user_id", "resident", "resident_ids", "series", "series_id"}
ID_NAMES |= {"rotation", "sessions", "firms", "tracks", "rotations", "firm"}


def _plausible(name: str, ids: list[str]) -> st.SearchStrategy[str]:
    if name in ID_NAMES:
        return st.sampled_from([*ids, "0", "-1", "99999999999999999999"])
    if name == "single":
        quick = [f"{i}:present" for i in ids]
        return st.sampled_from(
            [*quick, "x:present", ":late", "1:", "²:present", "9" * 20 + ":late"]
        )
    for names, words in BY_NAME.items():
        if name in names:
            return st.sampled_from(words)
    if name.endswith(("_minutes", "_days", "_before")) or name in ("interval", "percent"):
        return st.sampled_from(NUMBERS)
    if name in ("weeks", "year", "start_year", "rating"):
        return st.sampled_from(NUMBERS)
    return st.sampled_from(TEXT)


junk = st.one_of(
    st.sampled_from(ODD_TEXT + BAD_DATES),
    st.text(max_size=30),
    st.sampled_from(HUGE[:2]),
)


@st.composite
def form_data(draw, names: list[str], ids: list[str]) -> dict:
    """Mostly plausible values per field (so the view reaches its service), some junk."""
    data: dict = {}
    for name in names:
        roll = draw(st.integers(0, 9))
        if roll == 0:
            continue  # left out
        if roll == 1:
            data[name] = draw(junk)
        elif name in MULTI:
            data[name] = draw(st.lists(_plausible(name, ids), max_size=4))
        else:
            data[name] = draw(_plausible(name, ids))
    return data


def _client_for(endpoint: str, url: str, signed_in, app, program):
    if endpoint in ANONYMOUS:
        return signed_in(None)
    people = (program.coordinator, program.admin, program.resident, program.faculty)
    for person in people:
        client = signed_in(person)
        if client.post(url, data={}).status_code != 403:
            return client
    pytest.fail(f"{endpoint}: every role was refused; extend the people tried")
    return None


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_random_form_data_never_causes_a_server_error(app, objects, signed_in, endpoint):
    url = _url(endpoint, {**objects.values, **objects.overrides.get(endpoint, {})})
    client = _client_for(endpoint, url, signed_in, app, objects.program)
    names = _field_names(endpoint)
    ids = [str(v) for v in objects.values.values() if isinstance(v, int)]
    forms = form_data(names, ids)

    @fuzz_settings(10)
    @given(data=forms)
    def post(data):
        response = client.post(url, data=data)
        assert response.status_code < 500, (endpoint, data)

    post()


# Once 500s: "²".isdigit() is True but int("²") fails, and a 25-digit id overflows the
# database integer (OverflowError on SQLite, DataError on PostgreSQL).
MALFORMED_IDS = ["²:present", "9" * 25 + ":late"]


@pytest.mark.parametrize("single", MALFORMED_IDS, ids=["superscript-digit", "huge-id"])
def test_mark_one_resident_with_a_malformed_id_is_refused(objects, signed_in, single):
    client = signed_in(objects.program.coordinator)
    url = _url("attendance.mark_attendance", objects.values)
    try:
        response = client.post(url, data={"single": single})
    except Exception:
        response = None
    assert response is not None
    assert response.status_code == 400


def test_bulk_marks_with_ids_beyond_the_database_range_change_nothing(objects, signed_in):
    client = signed_in(objects.program.coordinator)
    url = _url("attendance.mark_attendance", objects.values)
    before = row_counts()
    response = client.post(url, data={"resident_ids": [str(10**25), "-3"], "mark": "present"})
    assert response.status_code == 422  # refused, with the form as typed
    assert row_counts() == before


# --------------------------------------------------------------------------- query strings

GET_SKIPPED = {"static", "feeds.personal_feed"}  # a file name; a token (tests/feeds)
ODD_QUERY_VALUES = (
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits: int() reads 12
    "99999999999999999999",
    "-1",
    "0",
    "2026-02-30",
    "9999-12-31",
    "é" * 300,
    "'; DROP TABLE users; --",
    "1e309",
    " ",
    "😀",
)


def _query_names() -> list[str]:
    """Every query-string name a view reads, from the views' sources."""
    names = {"start", "end", "firm", "pgy", "series"}  # report filters (reports.filters)
    for endpoint, view in VIEWS.items():
        if endpoint in GET_SKIPPED:
            continue
        source = inspect.getsource(inspect.getmodule(inspect.unwrap(view)))
        names.update(re.findall(r"args\.get\(\s*\"(\w+)\"", source))
        names.update(re.findall(r"date_arg\(\s*\"(\w+)\"", source))
    return sorted(names)


GET_ENDPOINTS = sorted(
    {r.endpoint for r in URL_MAP.iter_rules() if "GET" in (r.methods or ())} - GET_SKIPPED
)
QUERY_NAMES = _query_names()


def _page_url(endpoint: str, objects: Objects) -> str:
    downloads = {"fmt": "csv", "name": "detail" if "resident" in endpoint else "residents"}
    if endpoint == "reports.export_my_attendance":
        downloads["name"] = "detail"
    return _url(endpoint, {**objects.values, **downloads, **objects.overrides.get(endpoint, {})})


def _first_client_let_in(url: str, signed_in, program):
    """A client signed in as the first of coordinator, admin, resident, faculty not refused."""
    people = (program.coordinator, program.admin, program.resident, program.faculty)
    client = next((c for c in map(signed_in, people) if c.get(url).status_code != 403), None)
    assert client is not None, f"{url}: every role was refused"
    return client


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_odd_query_values_never_cause_a_server_error(objects, signed_in, endpoint):
    url = _page_url(endpoint, objects)
    client = _first_client_let_in(url, signed_in, objects.program)
    assert {"view", "date", "q", "status"} <= set(QUERY_NAMES)  # the names were found
    for value in ODD_QUERY_VALUES:
        response = client.get(url, query_string=dict.fromkeys(QUERY_NAMES, value))
        assert response.status_code < 500, (endpoint, value, response.status_code)


# --------------------------------------------------------------------------- markup


UNNAMED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Markup(HTMLParser):
    """Collects what assistive technology relies on: ids, what points at them, and whether
    each form control and image has a name a screen reader can say."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.references: list[tuple[str, str]] = []  # (attribute, id it names)
        self.labelled_for: set[str] = set()
        self.controls: list[tuple[str, dict]] = []  # (tag, attributes) of controls needing a name
        self.images_without_alt: list[str] = []
        self._open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.ids.append(values["id"])
        if tag == "label":
            self._open_labels += 1
            if values.get("for"):
                self.references.append(("label for", values["for"]))
                self.labelled_for.add(values["for"])
        for name in ("aria-labelledby", "aria-describedby", "aria-controls", "list"):
            for named in values.get(name, "").split():
                self.references.append((name, named))
        if tag == "img" and "alt" not in values:
            self.images_without_alt.append(values.get("src", "?"))
        wrapped = self._open_labels > 0
        needs_name = tag in ("select", "textarea") or (
            tag == "input" and values.get("type", "text") not in UNNAMED_INPUT_TYPES
        )
        if needs_name and not wrapped:
            self.controls.append((tag, values))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._open_labels:
            self._open_labels -= 1

    def unnamed_controls(self) -> list[str]:
        named_by = ("aria-label", "aria-labelledby", "title")
        return [
            f"<{tag} name={values.get('name')!r}>"
            for tag, values in self.controls
            if values.get("id") not in self.labelled_for
            and not any(values.get(attr, "").strip() for attr in named_by)
        ]


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_every_page_has_unique_ids_and_names_for_its_controls(
    app, objects, signed_in, monkeypatch, endpoint
):
    url = _page_url(endpoint, objects)
    client = _first_client_let_in(url, signed_in, objects.program)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # so the tokens render too
    response = client.get(url)
    if response.mimetype != "text/html":
        pytest.skip(f"{endpoint} answers {response.mimetype}, not a page")
    markup = _Markup()
    markup.feed(response.get_data(as_text=True))
    repeated = sorted({name for name in markup.ids if markup.ids.count(name) > 1})
    assert not repeated, f"{endpoint}: ids used more than once: {repeated}"
    dangling = [(attr, name) for attr, name in markup.references if name not in markup.ids]
    assert not dangling, f"{endpoint}: these point at no element: {dangling}"
    assert not markup.unnamed_controls(), f"{endpoint}: no label: {markup.unnamed_controls()}"
    assert not markup.images_without_alt, f"{endpoint}: images without alt"
