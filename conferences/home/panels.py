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
        sections.append(Section("Administration", "home/_admin.html", {}))
    return sections


def resident_context(user) -> dict:
    return {}


def faculty_context(user) -> dict:
    return {}


def coordinator_context(user) -> dict:
    return {}
