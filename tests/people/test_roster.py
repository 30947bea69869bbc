"""Roster import: checked whole, previewed, applied; a broken file changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from conferences import timeutil
from conferences.audit.models import AuditEvent
from conferences.errors import ImportErrors
from conferences.extensions import db
from conferences.people import roster
from conferences.people.models import Firm, Role, Track, User, UserRole
from tests.people.conftest import count_rows

HEADER = "email,name,roles,start_year,track,firm\n"


@pytest.fixture
def groups(make_firm, make_track):
    """Two firms and two tracks (plus a retired firm) that roster rows may name."""
    retired = make_firm("Thayer")
    retired.active = False
    values = {
        "osler": make_firm("Osler"),
        "peabody": make_firm("Peabody"),
        "categorical": make_track("Categorical"),
        "primary": make_track("Primary Care"),
    }
    db.session.commit()
    return values


def good_file() -> str:
    year = timeutil.current_academic_year()
    return HEADER + (
        f"ana.li@example.org,Ana Li,resident,{year},Categorical,Osler\n"
        f"Ben.Ross@Example.org,Ben Ross,resident;coordinator,{year - 2},primary care,PEABODY\n"
        "carla.diaz@example.org,Carla Díaz,faculty,,,\n"
        "dan.ode@example.org,Dan Ode,faculty|admin,,,\n"
    )


def everything() -> dict[str, int]:
    return count_rows(User, UserRole, Firm, Track, AuditEvent)


def test_plan_lists_rows_to_create_and_writes_nothing(app_ctx, groups, accounts):
    before = everything()
    plan = roster.plan_roster(good_file(), accounts["admin"])
    assert [row.action for row in plan.rows] == ["create"] * 4
    ben = plan.rows[1]
    assert (ben.line, ben.email, ben.roles) == (
        3,
        "ben.ross@example.org",
        {Role.RESIDENT, Role.COORDINATOR},
    )
    assert (ben.firm, ben.track) == (groups["peabody"], groups["primary"])
    db.session.commit()
    assert everything() == before


def test_apply_creates_then_reimport_is_unchanged_then_updates(app_ctx, groups, accounts):
    admin = accounts["admin"]
    plan = roster.apply_roster(admin, good_file())
    db.session.commit()
    assert len(plan.created) == 4
    ben = db.session.scalar(select(User).where(User.email == "ben.ross@example.org"))
    assert ben.roles == {Role.RESIDENT, Role.COORDINATOR}
    assert (ben.pgy(), ben.firm.name, ben.track.name) == (3, "Peabody", "Primary Care")
    dan = db.session.scalar(select(User).where(User.email == "dan.ode@example.org"))
    assert dan.roles == {Role.FACULTY, Role.ADMIN}

    again = roster.plan_roster(good_file(), admin)
    assert [row.action for row in again.rows] == ["unchanged"] * 4

    changed = (
        good_file()
        .replace("Categorical,Osler", "Categorical,Peabody")
        .replace("Carla Díaz,faculty", "Carla Díaz,faculty;coordinator")
    )
    plan = roster.plan_roster(changed, admin)
    assert [row.action for row in plan.rows] == ["update", "unchanged", "update", "unchanged"]
    assert plan.rows[0].changes == ["firm: Osler → Peabody"]
    assert plan.rows[2].changes == ["roles: faculty → coordinator, faculty"]
    roster.apply_roster(admin, changed)
    db.session.commit()
    ana = db.session.scalar(select(User).where(User.email == "ana.li@example.org"))
    assert ana.firm.name == "Peabody"
    role_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roles_changed"))
    assert role_event.after == {"roles": ["coordinator", "faculty"]}


BROKEN = {
    "missing column": (
        "email,name,roles,start_year,track\nx@example.org,X,faculty,,\n",
        [(1, "Missing column(s): firm.")],
    ),
    "bad email": (
        HEADER + "ana.li@example.org,Ana,faculty,,,\nnot-an-email,Bad,faculty,,,\n",
        [(3, "“not-an-email” is not a valid e-mail address")],
    ),
    "unknown firm": (
        HEADER + "ana.li@example.org,Ana,resident,{year},Categorical,Nowhere\n",
        [(2, "Unknown firm “Nowhere” (known: Osler, Peabody)")],
    ),
    "retired firm": (
        HEADER + "ana.li@example.org,Ana,resident,{year},Categorical,Thayer\n",
        [(2, "The firm “Thayer” is retired")],
    ),
    "unknown track": (
        HEADER + "ana.li@example.org,Ana,resident,{year},Surgical,Osler\n",
        [(2, "Unknown track “Surgical”")],
    ),
    "duplicate row": (
        HEADER
        + "ana.li@example.org,Ana,faculty,,,\n"
        + "bob@example.org,Bob,faculty,,,\n"
        + "ANA.LI@example.org,Ana again,faculty,,,\n",
        [(4, "ana.li@example.org is also on line 2.")],
    ),
    "bad role": (
        HEADER + "ana.li@example.org,Ana,faculty;surgeon,,,\n",
        [(2, "Unknown role “surgeon”")],
    ),
    "no role": (HEADER + "ana.li@example.org,Ana,,,,\n", [(2, "No role given")]),
    "start year not a number": (
        HEADER + "ana.li@example.org,Ana,resident,twenty,Categorical,Osler\n",
        [(2, "The start year “twenty” is not a number.")],
    ),
    "resident without start year": (
        HEADER + "ana.li@example.org,Ana,resident,,Categorical,Osler\n",
        [(2, "Residents need a start year.")],
    ),
    "missing name": (HEADER + "ana.li@example.org,,faculty,,,\n", [(2, "The name is missing.")]),
    "too many fields": (
        HEADER + "ana.li@example.org,Ana,faculty,,,,surprise\n",
        [(2, "7 fields, but the header has 6.")],
    ),
    "empty file": ("", [(1, "The file is empty")]),
    "header only": (HEADER, [(1, "The file has a header but no people.")]),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_broken_file_is_rejected_whole_with_line_numbers(app_ctx, groups, accounts, kind):
    text, expected = BROKEN[kind]
    year = timeutil.current_academic_year()
    # A good row first: it must not be written either.
    text = text.format(year=year)
    before = everything()
    with pytest.raises(ImportErrors) as caught:
        roster.apply_roster(accounts["admin"], text)
    db.session.rollback()
    errors = caught.value.errors
    assert len(errors) == len(expected), errors
    for (line, message), (want_line, want_text) in zip(errors, expected, strict=True):
        assert line == want_line
        assert want_text in message
    assert everything() == before


def test_every_problem_is_reported_at_once(app_ctx, groups, accounts):
    text = HEADER + (
        "bad,Ana,resident,2026,Categorical,Osler\n"
        "ok@example.org,Ok,faculty,,,\n"
        "x@example.org,X,wizard,,,Nowhere\n"
    )
    with pytest.raises(ImportErrors) as caught:
        roster.plan_roster(text, accounts["admin"])
    lines = [line for line, _ in caught.value.errors]
    assert lines == [2, 4, 4]


def test_quoted_fields_and_line_numbers_after_multiline_cells(app_ctx, groups, accounts):
    text = HEADER + (
        '"ana.li@example.org","Li, Ana","resident",2026,Categorical,Osler\n'
        '"bo@example.org","Bo\nSecond line",faculty,,,\n'
        "\n"
        "bad-address,Cy,faculty,,,\n"
    )
    with pytest.raises(ImportErrors) as caught:
        roster.plan_roster(text, accounts["admin"])
    assert [line for line, _ in caught.value.errors] == [6]


def test_cannot_remove_own_admin_role_by_import(app_ctx, groups, accounts):
    text = HEADER + "admin@example.test,Ada Admin,faculty,,,\n"
    with pytest.raises(ImportErrors) as caught:
        roster.plan_roster(text, accounts["admin"])
    assert caught.value.errors == [(2, "This row would remove your own admin role.")]


def test_non_utf8_file_is_rejected():
    with pytest.raises(ImportErrors, match="problem"):
        roster.decode("email,name\nJosé".encode("latin-1"))
    assert roster.decode("\ufeffemail".encode()) == "email"


# --- through the pages ---------------------------------------------------------------------


def _upload(client, text: str, name: str = "roster.csv"):
    return client.post(
        "/admin/roster",
        data={"file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def _token(page: str) -> str:
    match = re.search(r'name="token" type="hidden" value="([^"]+)"', page) or re.search(
        r'id="token" name="token" type="hidden" value="([^"]+)"', page
    )
    assert match, "no apply token on the preview page"
    return match.group(1)


def test_upload_preview_then_apply(admin_client, groups):
    before = everything()
    response = _upload(admin_client, good_file())
    assert response.status_code == 200
    assert "4 to create, 0 to update, 0 unchanged" in response.text
    assert "Ben Ross" in response.text
    assert everything() == before  # the preview writes nothing

    response = admin_client.post("/admin/roster/apply", data={"token": _token(response.text)})
    assert response.status_code == 303
    assert db.session.scalar(select(User).where(User.email == "carla.diaz@example.org"))


def test_broken_upload_shows_errors_and_writes_nothing(admin_client, groups):
    before = everything()
    response = _upload(
        admin_client, HEADER + "ana.li@example.org,Ana,resident,soon,Categorical,X\n"
    )
    assert response.status_code == 422
    assert "Line 2: The start year “soon” is not a number." in response.text
    assert "Line 2: Unknown firm “X”" in response.text
    assert "Nothing was changed" in response.text
    assert everything() == before


def test_altered_token_is_refused(admin_client, groups):
    token = _token(_upload(admin_client, good_file()).text)
    before = everything()
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = admin_client.post(
        "/admin/roster/apply", data={"token": forged}, follow_redirects=True
    )
    assert "expired or was altered" in response.text
    assert everything() == before


def test_apply_checks_the_file_again(admin_client, groups):
    """A firm retired between the preview and Apply makes the import fail, whole."""
    token = _token(_upload(admin_client, good_file()).text)
    groups["osler"].active = False
    db.session.commit()
    before = everything()
    response = admin_client.post("/admin/roster/apply", data={"token": token})
    assert response.status_code == 422
    assert "Osler" in response.text
    assert "retired" in response.text
    assert everything() == before


def test_apply_needs_the_csrf_token(admin_client, groups, csrf_enabled):
    before = everything()
    response = admin_client.post("/admin/roster/apply", data={"token": "x"})
    assert response.status_code == 400
    assert everything() == before


def test_upload_refuses_other_file_types(admin_client, groups):
    response = _upload(admin_client, good_file(), name="roster.xlsx")
    assert response.status_code == 422
    assert "Upload a .csv file." in response.text


# --- the command line ----------------------------------------------------------------------


def test_cli_dry_run_then_import(app, runner, groups, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(good_file())
    with app.app_context():
        before = everything()
    result = runner.invoke(args=["people", "import-roster", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "4 to create" in result.output
    assert "Nothing was written" in result.output
    with app.app_context():
        assert everything() == before
    result = runner.invoke(args=["people", "import-roster", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 created" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "ana.li@example.org"))


def test_cli_broken_file_fails_and_writes_nothing(app, runner, groups, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(HEADER + "ana.li@example.org,Ana,resident,2026,Categorical,Nowhere\n")
    with app.app_context():
        before = everything()
    result = runner.invoke(args=["people", "import-roster", str(path)])
    assert result.exit_code == 1
    assert "broken.csv:2: Unknown firm “Nowhere”" in result.output
    with app.app_context():
        assert everything() == before
