"""Curriculum coverage: teaching hours per topic against target shares."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from conferences import timeutil
from conferences.extensions import db
from conferences.reports.filters import Filters
from conferences.reports.tables import Column, Table
from conferences.schedule.models import TOPICS, Session, SessionStatus, SessionTopic

# Target shares per topic, proportional to the ABIM Internal Medicine certification
# blueprint (approximate percentages of the exam; pulmonary includes critical care).
TARGET_WEIGHTS = {
    "cardiovascular": 14,
    "pulmonary": 13,
    "gi": 9,
    "infectious": 9,
    "rheumatology": 9,
    "endocrine": 9,
    "oncology": 7,
    "hematology": 6,
    "nephrology": 6,
    "general": 5,
    "neurology": 4,
    "psychiatry": 4,
    "geriatrics": 3,
    "dermatology": 3,
    "ophthalmology": 3,
    "womens_health": 3,
    "allergy": 2,
}


def target_shares() -> dict[str, float]:
    total = sum(TARGET_WEIGHTS.values())
    return {topic: TARGET_WEIGHTS.get(topic, 0) / total for topic in TOPICS}


UNTAGGED = "Untagged"


def coverage_table(filters: Filters) -> Table:
    """Hours per topic (a session's hours split evenly among its topics) against the targets."""
    first, last = timeutil.range_bounds(filters.start_on, filters.end_on)
    scope = (
        select(Session.id)
        .where(Session.starts_at >= first, Session.starts_at < last)
        .where(Session.status != SessionStatus.CANCELLED.value)
    )
    if filters.series_id is not None:
        scope = scope.where(Session.series_id == filters.series_id)
    scope_ids = scope.scalar_subquery()
    durations = {
        sid: (end - start).total_seconds() / 3600
        for sid, start, end in db.session.execute(
            select(Session.id, Session.starts_at, Session.ends_at).where(Session.id.in_(scope_ids))
        )
    }
    topics_by_session: dict[int, list[str]] = defaultdict(list)
    for sid, topic in db.session.execute(
        select(SessionTopic.session_id, SessionTopic.topic).where(
            SessionTopic.session_id.in_(scope_ids)
        )
    ):
        topics_by_session[sid].append(topic)
    hours: dict[str, float] = defaultdict(float)
    untagged = 0.0
    for sid, duration in durations.items():
        topics = topics_by_session.get(sid)
        if not topics:
            untagged += duration
            continue
        for topic in topics:
            hours[topic] += duration / len(topics)
    tagged_total = sum(hours.values())
    targets = target_shares()
    table = Table(
        "coverage",
        "Curriculum coverage",
        [
            Column("topic", "Topic"),
            Column("hours", "Hours", "number"),
            Column("share", "Share", "percent"),
            Column("target", "Target share", "percent"),
            Column("gap_hours", "Hours to target", "number"),
        ],
        empty="No topic-tagged sessions in this period.",
    )
    for topic, label in TOPICS.items():
        share = hours[topic] / tagged_total if tagged_total else 0.0
        gap = max(0.0, targets[topic] * tagged_total - hours[topic])
        table.rows.append([label, round(hours[topic], 1), share, targets[topic], round(gap, 1)])
    for topic in sorted(set(hours) - set(TOPICS)):
        table.rows.append([topic, round(hours[topic], 1), hours[topic] / tagged_total, 0.0, 0.0])
    table.rows.sort(key=lambda row: row[2] - row[3])
    table.rows.append([UNTAGGED, round(untagged, 1), None, None, None])
    return table
