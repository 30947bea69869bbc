"""Who may do what: the one place that decides.

Views use ``@permission_required(action)`` for rules about a role and
``authorize(action, obj)`` for rules about one object; templates call
``can(action, obj)`` to hide what a person cannot do.

The rules read a person's roles. A fact that only a higher domain knows (teaching knows
who holds a slot on a session) reaches the policy through a registry that domain fills
at import time (``presenter_check``), so the policy imports no domain above people.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask
from flask_login import current_user

from conferences.errors import NotAllowed
from conferences.extensions import login_manager
from conferences.people.models import Role

Rule = Callable[[Any, Any], bool]

# "Does this person present at this session?", answered by the domains that know
# (registered with ``presenter_check``; create_app imports the modules that register).
_PRESENTER_CHECKS: list[Rule] = []


def presenter_check(check: Rule) -> Rule:
    """Register ``check(user, session)`` as a way a person presents at a session (a
    decorator; registering the same check twice keeps one)."""
    if check not in _PRESENTER_CHECKS:
        _PRESENTER_CHECKS.append(check)
    return check


def _role(*roles: Role) -> Rule:
    return lambda user, _obj: user.has_role(*roles)


def _coordinator(user, _obj) -> bool:
    return user.has_role(Role.COORDINATOR, Role.ADMIN)


def _self_or_coordinator(user, person) -> bool:
    return person is not None and (person.id == user.id or _coordinator(user, None))


def _presenter_or_coordinator(user, session) -> bool:
    """Coordinators, and whoever presents at this session (holds a teaching slot on it)."""
    if _coordinator(user, None):
        return True
    if session is None:
        return False
    return any(check(user, session) for check in _PRESENTER_CHECKS)


RULES: dict[str, Rule] = {
    # administration
    "manage_users": _role(Role.ADMIN),
    "manage_settings": _role(Role.ADMIN),
    "view_outbox": _role(Role.ADMIN),
    # schedule
    "view_schedule": lambda user, _obj: True,
    "manage_schedule": _coordinator,
    # teaching
    "teach": _role(Role.FACULTY, Role.RESIDENT, Role.COORDINATOR, Role.ADMIN),
    "manage_teaching": _coordinator,
    "view_teaching_record": _self_or_coordinator,
    "give_feedback": _role(Role.RESIDENT),
    "edit_talk": lambda user, slot: (
        _coordinator(user, None) or getattr(slot, "holder_id", None) == user.id
    ),
    # attendance
    "check_in": _role(Role.RESIDENT),
    "run_checkin": _presenter_or_coordinator,
    "manage_attendance": _coordinator,
    "view_attendance_of": _self_or_coordinator,
    "request_excusal": _role(Role.RESIDENT),
    "decide_excusals": _coordinator,
    "manage_rotations": _coordinator,
    # reports
    "view_reports": _coordinator,
}


_ASK_ADMIN = " If you need it, ask a program administrator to give your account that role."
_ASK_COORDINATOR = "This is for the program's coordinators." + _ASK_ADMIN

# Why each action is refused, and what to do instead: the error page says this, not "403".
REFUSALS: dict[str, str] = {
    "manage_users": "Accounts and roles are managed by program administrators." + _ASK_ADMIN,
    "manage_settings": "Program settings are changed by program administrators." + _ASK_ADMIN,
    "view_outbox": "The outbox is for program administrators." + _ASK_ADMIN,
    "view_schedule": "You need to be signed in to see the schedule.",
    "manage_schedule": "Changing the schedule is for the program's coordinators." + _ASK_ADMIN,
    "teach": "Teaching slots are for faculty, residents and coordinators." + _ASK_ADMIN,
    "manage_teaching": _ASK_COORDINATOR,
    "view_teaching_record": "A teaching record is seen by its owner and the coordinators.",
    "give_feedback": "Session feedback is given by residents.",
    "edit_talk": "A talk's details are edited by the person teaching it or a coordinator.",
    "check_in": (
        "Check-in records residents' attendance, and your account is not a resident's, "
        "so there is nothing to record for you. If you are teaching this session, its "
        "check-in screen and roster are on the session page."
    ),
    "run_checkin": (
        "The check-in screen and roster of a session are for the coordinators and the "
        "people teaching it. Ask a coordinator to add you to a teaching slot of this session."
    ),
    "manage_attendance": "Marking attendance by hand is for the program's coordinators.",
    "view_attendance_of": "A resident's attendance is seen by that resident and the coordinators.",
    "request_excusal": "Excusals are requested by residents, for themselves.",
    "decide_excusals": "Excusal requests are decided by the program's coordinators.",
    "manage_rotations": "The block schedule is managed by the program's coordinators.",
    "view_reports": "Attendance reports are for the program's coordinators." + _ASK_ADMIN,
}


def refusal(action: str) -> str:
    """The sentence a refused ``action`` shows: why, and what to do."""
    return REFUSALS.get(action, "Your account cannot do this." + _ASK_ADMIN)


def can(action: str, obj: Any = None, user: Any = None) -> bool:
    """May ``user`` (default: the signed-in person) do ``action`` to ``obj``?"""
    user = current_user if user is None else user
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return RULES[action](user, obj)


def authorize(action: str, obj: Any = None) -> None:
    """Refuse (``NotAllowed``: a 403 page saying why) unless the signed-in person may do
    ``action`` to ``obj``."""
    if not can(action, obj):
        raise NotAllowed(refusal(action))


def permission_required(action: str) -> Callable:
    """Require sign-in (redirect to the login page) and the role-level ``action``."""
    if action not in RULES:
        raise KeyError(action)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            authorize(action)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def init_app(app: Flask) -> None:
    """Templates call ``can(action, obj)`` to hide what a person cannot do."""

    @app.context_processor
    def policy_helpers() -> dict:
        return {"can": can}
