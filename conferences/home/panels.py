"""What each role sees first. Each domain contributes a section through a function here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Section:
    title: str
    template: str
    context: dict = field(default_factory=dict)


def sections_for(user) -> list[Section]:
    """Home sections in the order a person with several roles should see them."""
    sections: list[Section] = []
    if user.is_resident:
        sections.append(Section("Resident", "home/_resident.html", resident_context(user)))
    if user.is_faculty:
        sections.append(Section("Teaching", "home/_faculty.html", faculty_context(user)))
    if user.is_coordinator:
        sections.append(Section("Program", "home/_coordinator.html", coordinator_context(user)))
    if user.is_admin:
        sections.append(Section("Administration", "home/_admin.html", admin_context(user)))
    return sections


def resident_context(user) -> dict:
    """Where to be today and this week (with what changed since the last visit and an
    open check-in), this year's rate against the threshold, the current block.

    Records the visit (a flush); the view commits."""
    from conferences import timeutil
    from conferences.attendance.excusals import excusals_of
    from conferences.home import agenda
    from conferences.reports.resident import outlook
    from conferences.rotations.services import current_block

    visit = agenda.load_visit(user)
    plan = agenda.agenda_for(user, visit)
    agenda.record_visit(user, visit, plan)
    return {
        "agenda": plan,
        "outlook": outlook(user),
        "block": current_block(user, timeutil.local_today()),
        "pending_excusals": sum(1 for e in excusals_of(user) if e.status == "pending"),
    }


def faculty_context(user) -> dict:
    return {}


def coordinator_context(user) -> dict:
    """Excusal requests waiting for a decision and this week's rotation head-count."""
    from conferences import timeutil
    from conferences.attendance.excusals import pending_excusals
    from conferences.rotations.services import where_is_everyone

    weeks, _ = where_is_everyone(timeutil.local_today())
    return {
        "pending_excusals": [e for e in pending_excusals() if e.resident_id != user.id],
        "excused_this_week": sum(len(w.entries) for w in weeks if w.rotation.excuses),
        "placed_this_week": sum(len(w.entries) for w in weeks),
    }


def admin_context(user) -> dict:
    from conferences.people.services import admin_overview

    return admin_overview()
