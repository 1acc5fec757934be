"""Reads for partners: scoped first, keyset pages with a fixed number of queries, aggregate
statistics of hours and ratings, and matching suggestions (offers × open needs)."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.http import Http404

from cocreate.meetings.selectors import Resident
from cocreate.meetings.selectors import resident as _resident
from cocreate.needs import similarity
from cocreate.needs.models import Need
from cocreate.orgs.models import DispatchedMember, Household, Kind, OrgUnit, Pairing, PartnerUnit
from cocreate.orgs.permissions import has_perm

from .models import ResourceOffer, ServiceItem, ServiceOrder
from .services import MANAGE, VIEW, member_of, unit_may_serve

__all__ = ["MANAGE", "VIEW", "Resident", "member_of"]

PAGE_SIZE = 30
MATCH_CANDIDATES = 500  # the newest open needs of the community compared with an offer
# An offer's text (title and description) is longer than a need's, and Dice similarity falls with
# the size difference, so the bar is lower than needs.similarity's need-to-need 0.3.
MATCH_THRESHOLD = 0.15
S = ServiceOrder.Status
_ORDER_RELATED = ("item", "member__person", "unit", "household")


def resident(user) -> Resident:
    """The signed-in resident: person, household, community (meetings.selectors.resident)."""
    return _resident(user)


def _page(qs, before: int | None, size: int) -> tuple[list, int | None]:
    """Newest first by id, one query a page whatever its size."""
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more else None)


def _around(node: OrgUnit) -> Q:
    """Community-level rows seen from a node: those inside its subtree, and those of the
    community it lies in (a grid worker reads their community's offers and service list)."""
    return Q(path__startswith=node.path) | Q(path__in=node.ancestor_paths())


# --- residents -----------------------------------------------------------------------------------

def service_page(*, community: OrgUnit, before: int | None = None,
                 size: int = PAGE_SIZE) -> tuple[list[ServiceItem], int | None]:
    """The community's service list (published, from an active offer), newest first."""
    qs = (ServiceItem.objects.filter(community=community, published=True, offer__active=True)
          .select_related("offer__unit", "need"))
    return _page(qs, before, size)


def resident_item(me: Resident, item_id: int) -> ServiceItem:
    item = ServiceItem.objects.select_related("offer__unit").filter(pk=item_id).first()
    if (item is None or me.community is None or item.community_id != me.community.pk or not item.published
            or not item.offer.active):
        raise Http404
    return item


def my_order_page(*, person, before: int | None = None, size: int = PAGE_SIZE) -> tuple[list, int | None]:
    """The orders a resident placed (or that were placed for them), newest first."""
    if person is None:
        return [], None
    return _page(ServiceOrder.objects.filter(person=person).select_related(*_ORDER_RELATED), before, size)


def claimable_page(*, member: DispatchedMember, before: int | None = None,
                   size: int = PAGE_SIZE) -> tuple[list[ServiceOrder], int | None]:
    """Orders of the member's home community waiting for someone (抢单), their own left out."""
    qs = (ServiceOrder.objects.filter(community_id=member.home_community_id, status=S.PLACED)
          .exclude(person_id=member.person_id).select_related(*_ORDER_RELATED))
    return _page(qs, before, size)


def assigned_page(*, member: DispatchedMember, before: int | None = None,
                  size: int = PAGE_SIZE) -> tuple[list[ServiceOrder], int | None]:
    """The member's own orders, open ones and done ones, newest first."""
    return _page(ServiceOrder.objects.filter(member=member).select_related(*_ORDER_RELATED), before, size)


def order_detail(*, order_id: int) -> ServiceOrder | None:
    return (ServiceOrder.objects.select_related("community", "node", "household", "person", "item__offer__unit",
                                                "member__person", "member__unit", "unit", "recorded_by")
            .filter(pk=order_id).first())


def resident_order(user, order_id: int) -> ServiceOrder:
    """An order the signed-in resident placed, is assigned to, or (as a dispatched member of its
    community) may claim; anything else answers 404."""
    order = order_detail(order_id=order_id)
    if order is None or not can_see_order(user, order):
        raise Http404
    return order


def can_see_order(user, order: ServiceOrder) -> bool:
    if order.person.user_id == user.pk:
        return True
    if order.member_id is not None:
        return order.member.person.user_id == user.pk
    if order.status != S.PLACED:
        return False
    member = member_of(user)
    return member is not None and member.home_community_id == order.community_id


# --- staff ---------------------------------------------------------------------------------------

def offer_page(*, node: OrgUnit, before: int | None = None,
               size: int = PAGE_SIZE) -> tuple[list[ResourceOffer], int | None]:
    return _page(ResourceOffer.objects.filter(_around(node)).select_related("unit", "community"), before, size)


def item_page(*, node: OrgUnit, before: int | None = None,
              size: int = PAGE_SIZE) -> tuple[list[ServiceItem], int | None]:
    qs = ServiceItem.objects.filter(_around(node)).select_related("offer__unit", "need", "community")
    return _page(qs, before, size)


def order_page(*, node: OrgUnit, status: str = "", before: int | None = None,
               size: int = PAGE_SIZE) -> tuple[list[ServiceOrder], int | None]:
    """Orders placed in a subtree (by the household's place), newest first."""
    qs = ServiceOrder.objects.all()
    qs = qs.filter(community=node) if node.kind == Kind.COMMUNITY else qs.filter(path__startswith=node.path)
    if status:
        qs = qs.filter(status=status)
    return _page(qs.select_related(*_ORDER_RELATED), before, size)


def pairings(*, node: OrgUnit) -> list[Pairing]:
    """The pairings of the communities in (or around) a node."""
    return list(Pairing.objects.filter(Q(community__path__startswith=node.path)
                                       | Q(community__path__in=node.ancestor_paths()))
                .select_related("unit", "community").order_by("community__path", "unit__name", "id"))


def pairable_units(*, community: OrgUnit) -> list[PartnerUnit]:
    """Units registered on the community, above it or inside it, not yet paired with it."""
    paired = Pairing.objects.filter(community=community).values("unit_id")
    rows = (PartnerUnit.objects.filter(Q(node__path__in=community.ancestor_paths())
                                       | Q(node__path__startswith=community.path))
            .exclude(pk__in=paired).select_related("node").order_by("name", "id"))
    return [u for u in rows if unit_may_serve(u, community)]


def paired_units(*, community: OrgUnit) -> list[PartnerUnit]:
    return list(PartnerUnit.objects.filter(pairings__community=community).order_by("name", "id"))


def community_members(*, community: OrgUnit) -> list[DispatchedMember]:
    """The dispatched members who reported to the community (双报到), for dispatching."""
    return list(DispatchedMember.objects.filter(home_community=community)
                .select_related("person", "unit", "grid").order_by("grid__path", "id"))


def open_needs(*, community: OrgUnit, size: int = MATCH_CANDIDATES) -> list[Need]:
    return list(Need.objects.filter(community=community).open().select_related("category").order_by("-id")[:size])


def match_suggestions(*, offer: ResourceOffer, limit: int = 5) -> list[tuple[float, Need]]:
    """需求清单 × 资源清单: the community's open needs that read like the offer, best first
    (needs.similarity: jieba words and character bigrams), needs already matched to it left out."""
    matched = set(offer.items.exclude(need=None).values_list("need_id", flat=True))
    candidates = [n for n in open_needs(community=offer.community) if n.pk not in matched]
    return similarity.rank_similar(offer.text, candidates, limit=limit, threshold=MATCH_THRESHOLD)


def staff_offer(user, offer_id: int, action: str = VIEW) -> ResourceOffer:
    offer = ResourceOffer.objects.select_related("unit", "community").filter(pk=offer_id).first()
    if offer is None or not has_perm(user, action, offer.community):
        raise Http404
    return offer


def staff_item(user, item_id: int, action: str = VIEW) -> ServiceItem:
    item = ServiceItem.objects.select_related("community", "offer").filter(pk=item_id).first()
    if item is None or not has_perm(user, action, item.community):
        raise Http404
    return item


def staff_order(user, order_id: int, action: str = VIEW) -> ServiceOrder:
    order = order_detail(order_id=order_id)
    if order is None or not has_perm(user, action, order.node):
        raise Http404
    return order


def staff_pairing(user, pairing_id: int, action: str = MANAGE) -> Pairing:
    pairing = Pairing.objects.select_related("unit", "community").filter(pk=pairing_id).first()
    if pairing is None or not has_perm(user, action, pairing.community):
        raise Http404
    return pairing


def proxy_household(user, household_id: int) -> Household:
    """A household the user may place orders for (partners.order_for_resident)."""
    from cocreate.needs.services import can_act_for_household

    household = Household.objects.select_related("node").filter(pk=household_id).first()
    if household is None or not can_act_for_household(user, household, "partners.order_for_resident"):
        raise Http404
    return household


# --- hours and ratings ---------------------------------------------------------------------------

@dataclass
class Tally:
    """Work done by a member or a unit: integer minutes and the sum of the ratings, so the
    average is computed when shown and nothing is rounded before."""

    key: int
    label: str
    unit: str
    done: int
    minutes: int
    rated: int
    rating_sum: int

    @property
    def hours_text(self) -> str:
        return f"{self.minutes // 60}:{self.minutes % 60:02d}"

    @property
    def average_rating(self) -> str:
        """One decimal, rounded half up, from integers ("4.5"); "" when nobody rated yet."""
        if not self.rated:
            return ""
        tenths = (self.rating_sum * 10 * 2 + self.rated) // (2 * self.rated)
        return f"{tenths // 10}.{tenths % 10}"


def _aggregate(qs, field: str) -> dict[int, dict]:
    finished = Q(status__in=[S.DONE, S.RATED])
    rows = (qs.exclude(**{f"{field}__isnull": True}).values(field)
            .annotate(done=Count("id", filter=finished), minutes=Sum("minutes", filter=finished),
                      rated=Count("id", filter=Q(status=S.RATED)), rating_sum=Sum("rating"))
            .filter(done__gt=0).order_by())
    return {r[field]: r for r in rows}


def _tally(key: int, label: str, unit: str, row: dict) -> Tally:
    return Tally(key, label, unit, row["done"], row["minutes"] or 0, row["rated"], row["rating_sum"] or 0)


def stats(*, node: OrgUnit) -> tuple[list[Tally], list[Tally]]:
    """Hours and ratings of the orders done in a subtree, per dispatched member and per partner
    unit, most hours first. Four queries whatever the number of members and units."""
    qs = ServiceOrder.objects.all()
    qs = qs.filter(community=node) if node.kind == Kind.COMMUNITY else qs.filter(path__startswith=node.path)
    by_member, by_unit = _aggregate(qs, "member"), _aggregate(qs, "unit")
    members = DispatchedMember.objects.filter(pk__in=by_member).select_related("person", "unit")
    units = PartnerUnit.objects.filter(pk__in=by_unit)
    per_member = [_tally(m.pk, m.person.masked_name, m.unit.name, by_member[m.pk]) for m in members]
    per_unit = [_tally(u.pk, u.name, u.kind, by_unit[u.pk]) for u in units]
    order = lambda t: (-t.minutes, -t.done, t.key)  # noqa: E731
    return sorted(per_member, key=order), sorted(per_unit, key=order)
