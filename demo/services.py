"""Seeding the demo board. Idempotent: a second run finds everything and changes nothing."""

import os
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from pupils import services as pupil_services
from pupils.models import Group, GroupPlacement, Guardianship, Pupil
from schoolprivacy.models import (
    Authenticator,
    Board,
    BoardMembership,
    Membership,
    Role,
    School,
    User,
)

from . import consents, data, dossiers, register, requests


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (e-mail, name, what)

    def count(self, kind: str, created: bool) -> None:
        self.created[kind] = self.created.get(kind, 0) + int(created)


class _Seeder:
    def __init__(self):
        self.report = SeedReport()
        self.password = make_password(data.DEMO_PASSWORD)
        self.data = data
        self.rng = random.Random(2026)  # noqa: S311 (fictional names, not security)
        self.bsns: set[str] = set()
        self.previous_groups: dict[int, Group] = {}
        self.administrators: dict[int, User] = {}

    def user(self, email: str, full_name: str, *, login: bool = True, **extra) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": full_name,
                "password": self.password if login else make_password(None),
                **extra,
            },
        )
        self.report.count("users", created)
        return user

    def seed(self) -> SeedReport:
        board, created = Board.objects.get_or_create(
            name=data.BOARD["name"],
            defaults={"privacy_contact_email": data.BOARD["privacy_contact_email"]},
        )
        self.report.count("boards", created)
        schools, groups = self.schools(board)
        self.staff(board, schools)
        self.pupils(schools, groups)
        dossiers.seed_dossiers(self, schools, groups)
        consents.seed_consents(self, board, schools)
        self.suppliers(board, schools)
        requests.seed_requests(self, board, schools)
        self.identity_provider(board)
        admin_email, admin_name = data.TECHNICAL_ADMIN
        self.authenticator(self.user(admin_email, admin_name, is_staff=True, is_superuser=True))
        self.report.logins.append((admin_email, admin_name, "technical administrator"))
        return self.report

    def identity_provider(self, board) -> None:
        """The board's sign-in through the local provider `make run` starts (its address
        from DEMO_OIDC_ISSUER, which scripts/stack.py sets)."""
        from signin.models import IdentityProvider
        from signin.services import provider_save

        issuer = os.environ.get("DEMO_OIDC_ISSUER", data.OIDC_ISSUER)
        settings = data.OIDC_PROVIDER
        provider = IdentityProvider.objects.filter(board=board, name=settings["name"]).first()
        if provider is not None and provider.issuer == issuer:
            return
        created = provider is None
        provider = provider or IdentityProvider(board=board, name=settings["name"])
        provider.issuer = issuer
        provider.client_id = settings["client_id"]
        provider.domains = settings["domains"]
        provider_save(provider=provider, secret=settings["client_secret"])
        self.report.count("identity providers", created)

    def schools(self, board):
        schools, groups = {}, {}
        for spec in data.SCHOOLS:
            school, created = School.objects.get_or_create(
                brin=spec["brin"],
                defaults={"board": board, "name": spec["name"], "kind": spec["kind"]},
            )
            self.report.count("schools", created)
            schools[spec["key"]] = school
            groups[spec["key"]] = []
            for name, year_group, age in spec["groups"]:
                group, created = Group.objects.get_or_create(
                    school=school,
                    school_year=data.SCHOOL_YEAR,
                    name=name,
                    defaults={"year_group": year_group, "department": data.department_of(name)},
                )
                self.report.count("groups", created)
                groups[spec["key"]].append((group, age))
            # Last school year's groups, so that placements have a history.
            for (group, _age), (earlier, _) in zip(
                groups[spec["key"]][1:], groups[spec["key"]], strict=False
            ):
                previous, created = Group.objects.get_or_create(
                    school=school,
                    school_year=data.SCHOOL_YEAR - 1,
                    name=earlier.name,
                    defaults={"year_group": earlier.year_group, "department": earlier.department},
                )
                self.report.count("groups", created)
                self.previous_groups[group.pk] = previous
        return schools, groups

    def staff(self, board, schools):
        for email, name, school_key, role in data.STAFF:
            user = self.user(email, name)
            if school_key is None:
                _, created = BoardMembership.objects.get_or_create(
                    user=user, board=board, role=role
                )
                where = board.name
            else:
                _, created = Membership.objects.get_or_create(
                    user=user, school=schools[school_key], role=role
                )
                where = schools[school_key].name
                if role == Role.ADMINISTRATOR:
                    self.administrators[schools[school_key].pk] = user
            self.report.count("memberships", created)
            self.report.logins.append((email, name, f"{role.label} – {where}"))
            self.authenticator(user)

    def authenticator(self, user) -> None:
        """The second step of a demo staff login: an authenticator with the published key."""
        _, created = Authenticator.objects.get_or_create(
            user=user,
            name="demo authenticator",
            defaults={"key": data.DEMO_TOTP_KEY, "confirmed": True},
        )
        self.report.count("authenticators", created)

    def pupil(self, school, group, age, first, prefix, last, gender) -> Pupil:
        # Born in the year that makes them *age* on 1 October of the school year.
        born = date(data.SCHOOL_YEAR - age - 1, self.rng.randint(10, 12), self.rng.randint(1, 28))
        if self.rng.random() < 0.75:
            born = date(data.SCHOOL_YEAR - age, self.rng.randint(1, 9), self.rng.randint(1, 28))
        enrolled = date(max(born.year + 4, data.SCHOOL_YEAR - age + 4), 8, 20)
        enrolled = min(enrolled, date(data.SCHOOL_YEAR, 8, 20))
        bsn = self.bsn()
        pupil = Pupil.objects.filter(
            school=school, first_name=first, last_name=last, date_of_birth=born
        ).first()
        self.report.count("pupils", pupil is None)
        if pupil is None:
            pupil = pupil_services.pupil_create(
                school=school,
                acting_user=self.administrators[school.pk],
                first_name=first,
                name_prefix=prefix,
                last_name=last,
                date_of_birth=born,
                gender=gender,
                bsn=bsn,
                enrolled_on=enrolled,
            )
            self.place(pupil, group)
        return pupil

    def bsn(self) -> str:
        """A fictional number that passes the eleven-test, unique within the demo."""
        while True:
            digits = [self.rng.randint(0, 9) for _ in range(8)]
            check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
            value = "".join(map(str, digits)) + str(check)
            if check < 10 and digits[0] != 0 and value not in self.bsns:
                self.bsns.add(value)
                return value

    def place(self, pupil, group) -> None:
        """The current group, and last year's group for pupils who were here last year."""
        start = date(data.SCHOOL_YEAR, 8, 20)
        previous = self.previous_groups.get(group.pk)
        if previous is not None and pupil.enrolled_on < start:
            GroupPlacement.objects.create(
                pupil=pupil,
                group=previous,
                start_on=max(pupil.enrolled_on, date(data.SCHOOL_YEAR - 1, 8, 20)),
                end_on=start - timedelta(days=1),
            )
        GroupPlacement.objects.create(
            pupil=pupil, group=group, start_on=max(start, pupil.enrolled_on)
        )
        pupil.group = group
        pupil.save(update_fields=["group"])

    def guardian(self, parent, pupil, relation, authority, information_right):
        _, created = Guardianship.objects.get_or_create(
            parent=parent,
            pupil=pupil,
            defaults={
                "relation": relation,
                "has_parental_authority": authority,
                "has_information_right": information_right,
            },
        )
        self.report.count("guardianships", created)

    def pupils(self, schools, groups):
        parents = {key: self.user(*spec) for key, spec in data.PARENTS.items()}
        per_school = {key: 0 for key in schools}
        for school_key, group_index, first, prefix, last, gender, links in data.STORY_PUPILS:
            group, age = groups[school_key][group_index]
            pupil = self.pupil(schools[school_key], group, age, first, prefix, last, gender)
            per_school[school_key] += 1
            for parent_key, relation, authority, information_right in links:
                self.guardian(parents[parent_key], pupil, relation, authority, information_right)
        for key, spec in data.PARENTS.items():
            self.report.logins.append((spec[0], spec[1], _PARENT_STORIES[key]))

        number = 0
        for school_key, school in schools.items():
            while per_school[school_key] < data.PUPILS_PER_SCHOOL:
                group, age = groups[school_key][per_school[school_key] % len(groups[school_key])]
                gender = self.rng.choice("fm")
                first = self.rng.choice(
                    data.FIRST_NAMES_F if gender == "f" else data.FIRST_NAMES_M
                )
                prefix, last = self.rng.choice(data.LAST_NAMES)
                pupil = self.pupil(school, group, age, first, prefix, last, gender)
                per_school[school_key] += 1
                number += 1
                # Parents of generated pupils have accounts without a password:
                # they would set one through an invitation.
                family = " ".join(p for p in (prefix, last) if p)
                mother = self.user(
                    f"ouder{number}a@ouders.example",
                    f"{self.rng.choice(data.FIRST_NAMES_F)} {family}",
                    login=False,
                )
                self.guardian(mother, pupil, "mother", True, False)
                if number % 3:
                    father = self.user(
                        f"ouder{number}b@ouders.example",
                        f"{self.rng.choice(data.FIRST_NAMES_M)} {family}",
                        login=False,
                    )
                    self.guardian(father, pupil, "father", True, False)

    def suppliers(self, board, schools):
        register.seed_register(self, board, schools)


_PARENT_STORIES = {
    "bakker": "parent – two children, one in each school",
    "visser_father": "parent – separated, shares parental authority",
    "visser_mother": "parent – separated, shares parental authority",
    "dekker_mother": "parent – sole parental authority",
    "dekker_father": "parent without parental authority (information right only)",
}


@transaction.atomic
def demo_seed() -> SeedReport:
    """Create whatever of the demo board is missing; return what was created and the logins."""
    return _Seeder().seed()
