"""A new school year made by hand, for a school that does not import it: the groups of the
new year (named as this year's), where each group's pupils go (the next group, or leaving
the school), and the teachers with the groups of the same name. It is planned as an import
run (source YEAR), so the director sees every line before anything changes, confirms, and a
worker applies it through the same services as an import (sync/services.py)."""

from __future__ import annotations

import json
from datetime import date

from pupils.models import GroupUserObjectPermission, Pupil

from .models import ImportLine, ImportRun

Kind = ImportLine.Kind
Subject = ImportLine.Subject

#: What a group's pupils do instead of moving to a group of the new year.
LEAVE = "__leave__"


def group_key(name: str) -> str:
    """The key that stands for a group of the new year, made by name (groups made by hand have
    no key of the administration)."""
    return f"name:{name}"[:100]


def plan(run: ImportRun, moves: list, leave_on: date) -> None:
    """Write the run's lines: the new year's groups, each pupil's move or leave, and each
    teacher's groups of the new year (the same names as now)."""
    lines: list[ImportLine] = []
    counts = dict.fromkeys(
        (
            "new",
            "changed",
            "moved",
            "unchanged",
            "leaving",
            "errors",
            "updated",
            "groups_new",
            "groups_changed",
            "teachers_new",
            "teachers_changed",
        ),
        0,
    )

    def add(kind, subject, key, *, pupil_id=None, data=None, fields=()):
        lines.append(
            ImportLine(
                run=run,
                kind=kind,
                subject=subject,
                key=key,
                pupil_id=pupil_id,
                fields=list(fields),
                data=json.dumps(data),
            )
        )

    names = {group.name for group in (move.group for move in moves)}
    year_groups = {move.group.name: move.group.year_group for move in moves}
    for name in sorted(names):
        add(
            Kind.NEW,
            Subject.GROUP,
            group_key(name),
            data={
                "name": name,
                "year_group": year_groups.get(name),
                "by_name": True,
            },
        )
        counts["groups_new"] += 1
    target_of = {move.group.pk: move.target for move in moves}
    pupils = Pupil.objects.filter(
        group_id__in=target_of, left_on__isnull=True, anonymised_at__isnull=True
    ).values_list("pk", "external_key", "group_id", "group__name")
    for pk, key, group_id, group_name in pupils.order_by("group__name", "last_name", "pk"):
        target = target_of[group_id]
        if target == LEAVE:
            counts["leaving"] += 1
            add(
                Kind.LEAVING,
                Subject.PUPIL,
                key or "",
                pupil_id=pk,
                data={
                    "left_on": leave_on.isoformat(),
                },
                fields=["left_on"],
            )
        else:
            counts["moved"] += 1
            add(
                Kind.MOVED,
                Subject.PUPIL,
                key or "",
                pupil_id=pk,
                data={
                    "group_key": group_key(target),
                    "before": group_name,
                },
                fields=["group"],
            )
    counts["updated"] = counts["moved"]
    taught: dict[str, list[str]] = {}
    permissions = GroupUserObjectPermission.objects.filter(
        content_object_id__in=target_of, user__is_active=True
    ).values_list("user__email", "content_object__name")
    for email, name in permissions.order_by("user__email", "content_object__name"):
        taught.setdefault(email, []).append(group_key(name))
    for email, keys in taught.items():
        counts["teachers_changed"] += 1
        add(
            Kind.CHANGED,
            Subject.TEACHER,
            "",
            data={"email": email, "full_name": "", "groups": keys},
        )
    ImportLine.objects.bulk_create(lines, batch_size=1000)
    run.counts = counts
