"""factory_boy factories for bulk test data that needs no audit trail (lists, query counts).

Tests of behaviour go through the services; these build rows directly. Text defaults are
hostile (markup, quotes, a formula prefix) so templates and exports are exercised by default.
"""

import factory

from cocreate.orgs.models import Household, Person

HOSTILE = "<b>张\"伟'</b>"


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household
        skip_postgeneration_save = True  # members() saves what it changes

    node = None  # required: pass the node
    path = factory.LazyAttribute(lambda h: h.node.path)
    address = factory.Sequence(lambda n: f"{HOSTILE}路{n}号")
    occupancy = Household.Occupancy.RESIDENT
    member_count = 0

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        """`members=N` adds N persons (the first is the head) and keeps member_count right."""
        if not create or not extracted:
            return
        for index in range(extracted):
            PersonFactory(household=self, relation=Person.Relation.HEAD if index == 0 else Person.Relation.CHILD)
        self.member_count = extracted
        self.save(update_fields=["member_count"])


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    node = factory.LazyAttribute(lambda p: p.household.node)
    path = factory.LazyAttribute(lambda p: p.household.node.path)
    name = factory.Sequence(lambda n: f"=王{n}")
    relation = Person.Relation.HEAD
