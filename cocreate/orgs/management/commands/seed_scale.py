"""`manage.py seed_scale --households N`: a county-scale tree for benchmarks, written in bulk.

Benchmarks need a million rows in minutes, so this bypasses the services: it computes the
materialized paths, `child_seq` and `member_count` itself, exactly as the services keep them,
and writes one audit event that sums the run up instead of one per row.

Phones: about 20% of persons get their own encrypted number rather than one from a reused pool.
Measured here, encrypt() plus blind_index() cost about 10 µs a number with AES-GCM/SHA-256 and
20 µs with SM4/SM3, i.e. 2-4 s for the 180,000 numbers of a 300,000-household run, a small part
of it; unique numbers also keep phone look-ups by blind index as selective as real data.
"""

import math
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from django.utils import timezone

from cocreate.audit.services import record
from cocreate.core.crypto import blind_index, encrypt
from cocreate.core.phones import normalise_phone
from cocreate.orgs.demo import SURNAMES, People, ensure_levels
from cocreate.orgs.models import Consent, Household, OrgLevel, OrgUnit, Person
from cocreate.orgs.services import path_segment

SCALE_ROOT = "规模测试县"
COMMUNITIES_PER_STREET = 20  # a typical Hubei street or town has 10-30 communities
HOUSEHOLDS_PER_COMMUNITY = 1000  # the default --communities is N / 1000
FLATS_PER_BUILDING = 20  # 10 floors x 2 flats
MEMBER_COUNTS, MEMBER_WEIGHTS = (1, 2, 3, 4, 5), (15, 20, 30, 20, 15)  # 3.0 on average
OCCUPANCIES = (Household.Occupancy.RESIDENT, Household.Occupancy.RENTED, Household.Occupancy.SHOP)
OCCUPANCY_WEIGHTS = (85, 12, 3)  # no vacant homes: every household has members here
PHONE_SHARE = 0.2
PARTY_SHARE = 0.08
REFERENCE_YEAR = 2026


@dataclass
class Totals:
    nodes: int = 0
    households: int = 0
    persons: int = 0
    consents: int = 0


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _child(parent: OrgUnit, level: OrgLevel, name: str) -> OrgUnit:
    """An unsaved child with the next path under `parent`, as services.node_create would give;
    `name` may use {n}, the child's number, and {parent}, the parent's name."""
    parent.child_seq += 1
    return OrgUnit(parent=parent, level=level, kind=level.kind, depth=parent.depth + 1,
                   name=name.format(n=parent.child_seq, parent=parent.name),
                   path=parent.path + path_segment(parent.child_seq))


def _free_root_path() -> str:
    # The highest root number plus one: unlike a count of roots, it cannot collide after a
    # root is deleted. Root paths are all PATH_STEP long, so they compare as numbers.
    roots = OrgUnit.objects.filter(parent__isnull=True).values_list("path", flat=True)
    return path_segment(max((int(path, 36) for path in roots), default=0) + 1)


class ScaleBuilder:
    """Adds streets, communities, grids, households, persons and consents under the root."""

    def __init__(self, *, batch_size: int, seed: int):
        self.rng = random.Random(seed)
        self.people = People(self.rng)
        self.levels = ensure_levels()
        self.batch_size = batch_size
        self.totals = Totals()
        self.now = timezone.now()

    def root(self) -> OrgUnit:
        existing = OrgUnit.objects.select_for_update().filter(parent__isnull=True, name=SCALE_ROOT).first()
        if existing:
            return existing
        self.totals.nodes += 1
        level = self.levels["县"]
        return OrgUnit.objects.create(level=level, kind=level.kind, name=SCALE_ROOT, path=_free_root_path(), depth=1)

    def run(self, root: OrgUnit, *, households: int, communities: int, grids_per_community: int) -> Totals:
        grids = self.tree(root, communities, grids_per_community)
        for batch in _batches(self.households(grids, households), self.batch_size):
            self.write(batch)
            # Under DEBUG (dev settings) Django keeps every query's SQL; a 5,000-row insert is
            # megabytes of text, so drop the log after each batch.
            reset_queries()
        return self.totals

    # --- the tree: planned top-down in memory so each parent's child_seq is final when saved --

    def tree(self, root: OrgUnit, communities: int, grids_per_community: int) -> list[tuple[OrgUnit, str]]:
        street_count = math.ceil(communities / COMMUNITIES_PER_STREET)
        streets = [_child(root, self.levels["街道"], "规模街道{n:03d}") for _ in range(street_count)]
        towns = [_child(streets[i // COMMUNITIES_PER_STREET], self.levels["社区"], "{parent}第{n:02d}社区")
                 for i in range(communities)]
        grid_level = self.levels["网格"]
        grids = [_child(town, grid_level, "第{n:02d}网格") for town in towns for _ in range(grids_per_community)]
        for level in (streets, towns, grids):
            OrgUnit.objects.bulk_create(level, batch_size=self.batch_size)
        OrgUnit.objects.filter(pk=root.pk).update(child_seq=root.child_seq)
        self.totals.nodes += len(streets) + len(towns) + len(grids)
        return [(grid, f"{grid.parent.name}{grid.name}") for grid in grids]

    # --- households and their members ------------------------------------------------------

    def households(self, grids: list[tuple[OrgUnit, str]], total: int) -> Iterator[Household]:
        per_grid, extra = divmod(total, len(grids))
        for i, (grid, prefix) in enumerate(grids):
            for n in range(per_grid + (i < extra)):
                building, flat = divmod(n, FLATS_PER_BUILDING)
                floor, door = divmod(flat, 2)
                yield Household(
                    node=grid, path=grid.path, address=f"{prefix}{building + 1}栋{floor + 1}0{door + 1}室",
                    occupancy=self.rng.choices(OCCUPANCIES, OCCUPANCY_WEIGHTS)[0],
                    member_count=self.rng.choices(MEMBER_COUNTS, MEMBER_WEIGHTS)[0],
                )

    def write(self, households: list[Household]) -> None:
        Household.objects.bulk_create(households, batch_size=self.batch_size)
        persons = [person for household in households for person in self.members(household)]
        Person.objects.bulk_create(persons, batch_size=self.batch_size)
        # The services record consent for every member registered with a phone; so do we.
        consents = [self.consent(person) for person in persons if person.phone_enc]
        Consent.objects.bulk_create(consents, batch_size=self.batch_size)
        self.totals.households += len(households)
        self.totals.persons += len(persons)
        self.totals.consents += len(consents)

    def members(self, household: Household) -> list[Person]:
        rng = self.rng
        surname, head_born = rng.choice(SURNAMES), rng.randint(1940, 2000)
        people = []
        for i in range(household.member_count):
            relation, born = self.relation(i, head_born)
            gender = rng.choice("MF")
            phone_enc, phone_index = self.phone() if rng.random() < PHONE_SHARE else ("", "")
            people.append(Person(
                household_id=household.pk, node_id=household.node_id, path=household.path,
                name=self.people.name(gender, "" if relation == Person.Relation.SPOUSE else surname),
                gender=gender, birth_year=born, relation=relation, is_party_member=rng.random() < PARTY_SHARE,
                phone_enc=phone_enc, phone_index=phone_index,
            ))
        return people

    def relation(self, index: int, head_born: int) -> tuple[str, int]:
        if index == 0:
            return Person.Relation.HEAD, head_born
        if index == 1:
            return Person.Relation.SPOUSE, head_born + self.rng.randint(-3, 3)
        return Person.Relation.CHILD, min(head_born + self.rng.randint(22, 35), REFERENCE_YEAR - 1)

    def phone(self) -> tuple[str, str]:
        e164 = normalise_phone(self.people.phone())
        return encrypt(e164), blind_index(e164)

    def consent(self, person: Person) -> Consent:
        return Consent(person_id=person.pk, purpose=Consent.Purpose.REGISTRATION,
                       policy_version=settings.PRIVACY_POLICY_VERSION, channel=Consent.Channel.STAFF,
                       evidence="seed_scale", given_at=self.now)


class Command(BaseCommand):
    help = (f"Build a county-scale tree under {SCALE_ROOT} for benchmarks, in bulk. Reusable: does nothing when "
            "the root already has N households, and adds only the missing ones when it has fewer.")

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=300_000, help="households wanted under the root")
        parser.add_argument("--communities", type=int, help=f"default: added households / {HOUSEHOLDS_PER_COMMUNITY}")
        parser.add_argument("--grids-per-community", type=int, default=10)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=1, help="for reproducible names and sizes")

    def handle(self, *args, households, communities, grids_per_community, batch_size, seed, **options):
        if min(households, grids_per_community, batch_size) < 1 or (communities is not None and communities < 1):
            raise CommandError("--households, --communities, --grids-per-community and --batch-size must be positive.")
        started = time.monotonic()
        totals = self.build(households=households, communities=communities, grids_per_community=grids_per_community,
                            builder_options={"batch_size": batch_size, "seed": seed})
        if totals is None:
            return
        rows = sum(asdict(totals).values())
        self.stdout.write(self.style.SUCCESS(
            f"{SCALE_ROOT}: created {totals.nodes} nodes, {totals.households} households, {totals.persons} persons, "
            f"{totals.consents} consents ({rows} rows) in {time.monotonic() - started:.1f} s, commit included."))

    @transaction.atomic
    def build(self, *, households: int, communities: int | None, grids_per_community: int,
              builder_options: dict) -> Totals | None:
        """One transaction: all or nothing, so a rerun after a failure starts clean."""
        started = time.monotonic()
        builder = ScaleBuilder(**builder_options)
        root = builder.root()
        existing = Household.objects.in_subtree(root).count()
        if existing >= households:
            self.stdout.write(f"{SCALE_ROOT} already has {existing} households (≥ {households}); nothing to do.")
            return None
        missing = households - existing
        totals = builder.run(root, households=missing, grids_per_community=grids_per_community,
                             communities=communities or max(1, round(missing / HOUSEHOLDS_PER_COMMUNITY)))
        record(actor=None, action="seed.scale", target=root, node=root,
               data={**asdict(totals), "seconds": round(time.monotonic() - started, 1)})
        return totals
