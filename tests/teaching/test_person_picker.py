"""The assign page's person picker: a server-side search over the people who may hold the
slot, for coordinators only; the plain select still works without JavaScript."""

from __future__ import annotations

import pytest

from conferences.extensions import db
from conferences.people.models import Role, User
from conferences.teaching.models import TeachingSlot


@pytest.fixture
def slot(make_session):
    session = make_session(title="Noon Conference: Sepsis")
    slot = TeachingSlot(session_id=session.id, role="lecturer", eligibility="faculty")
    db.session.add(slot)
    db.session.flush()
    return slot


@pytest.fixture
def faculty(make_user):
    people = [
        make_user(name="Maria Lopez", email="mlopez@example.test"),
        make_user(name="Omar Haddad", email="ohaddad@example.test"),
        make_user(name="Ann Marsh", email="amarsh@example.test"),
        make_user(name="Zoe 100% Kim", email="zkim@example.test"),
    ]
    for n in range(40):  # without a password: hashing forty would only slow the test
        person = User(name=f"Faculty {n:02d} Person", email=f"f{n}@example.test")
        person.set_roles({Role.FACULTY})
        db.session.add(person)
        people.append(person)
    db.session.flush()
    make_user(roles=("faculty",), name="Mark Gone", email="gone@example.test", active=False)
    make_user(roles=("resident",), name="Marty Resident", email="marty@example.test")
    return people


@pytest.fixture
def coordinator_client(client, auth, make_user):
    make_user(roles=("coordinator",), email="coord@example.test", name="Cora Coordinator")
    db.session.commit()
    auth.login("coord@example.test")
    return client


def _names(response) -> list[str]:
    return [item["name"] for item in response.get_json()]


def test_search_finds_eligible_people_by_a_few_letters(coordinator_client, slot, faculty):
    db.session.commit()
    response = coordinator_client.get(f"/teaching/slots/{slot.id}/people?q=mar")
    assert response.status_code == 200
    # A name with a word starting with the letters first, then by name; inactive people
    # and residents (the slot is for faculty) never.
    assert _names(response) == ["Ann Marsh", "Maria Lopez", "Omar Haddad"]
    assert response.get_json()[1]["label"] == "Maria Lopez (mlopez@example.test)"


def test_every_word_must_match_and_wildcards_are_plain_letters(coordinator_client, slot, faculty):
    db.session.commit()
    assert _names(coordinator_client.get(f"/teaching/slots/{slot.id}/people?q=ma lo")) == [
        "Maria Lopez"
    ]
    assert _names(coordinator_client.get(f"/teaching/slots/{slot.id}/people?q=100%")) == [
        "Zoe 100% Kim"
    ]
    assert _names(coordinator_client.get(f"/teaching/slots/{slot.id}/people?q=_")) == []
    assert len(_names(coordinator_client.get(f"/teaching/slots/{slot.id}/people?q=faculty"))) == 20


def test_only_coordinators_may_search(client, auth, slot, faculty, make_user):
    make_user(roles=("faculty",), email="fay@example.test", name="Fay Faculty")
    db.session.commit()
    auth.login("fay@example.test")
    assert client.get(f"/teaching/slots/{slot.id}/people?q=mar").status_code == 403


def test_the_assign_form_still_works_without_javascript(coordinator_client, slot, faculty):
    db.session.commit()
    page = coordinator_client.get(f"/teaching/slots/{slot.id}/assign").text
    assert "data-person-picker" in page
    assert "Omar Haddad (ohaddad@example.test)" in page  # every option is still there
    response = coordinator_client.post(
        f"/teaching/slots/{slot.id}/assign", data={"user_id": str(faculty[1].id)}
    )
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder_id == faculty[1].id
