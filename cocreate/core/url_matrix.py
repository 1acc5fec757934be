"""The vocabulary of the URL × role matrix (tests/test_url_role_matrix.py), shared with the
apps that contribute their own part of it.

An app above `orgs` keeps its matrix beside its tests, in `cocreate/<app>/tests/url_matrix.py`,
with two names: `MATRIX` (URL name → cases) and `world(objects, users) -> dict` (the objects
its cases refer to, built on the shared fixture world). Test code only.
"""

from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
RESIDENT = "resident"
STAFF_ROLES = (
    "link_head", "grid_worker", "neighbour_grid_worker", "cadre", "neighbour_cadre",
    "street_official", "county_official", "audit_admin", "security_admin", "platform_admin",
)
ROLES = (ANONYMOUS, RESIDENT, *STAFF_ROLES)
MISSING_ID = 987_654

# Who holds which permission (cocreate/orgs/permissions.py ROLES_FOR), on the fixture tree.
VIEW_COMMUNITY = ("cadre", "street_official", "county_official", "platform_admin")
VIEW_NEIGHBOUR = ("neighbour_cadre", "street_official", "county_official", "platform_admin")
MANAGE_GRID = ("grid_worker", "cadre", "platform_admin")
MANAGE_NEIGHBOUR_GRID = ("neighbour_grid_worker", "neighbour_cadre", "platform_admin")
IN_GRID = ("grid_worker", *VIEW_COMMUNITY)


@dataclass(frozen=True)
class Redirect:
    """A 302 to the named page (built with the pk of a world object when `obj` is set)."""

    to: str
    obj: str = ""

    def __str__(self) -> str:
        return f"302→{self.to}" + (f"({self.obj})" if self.obj else "")


TEL = "302→tel:"  # the resident's dial-out link
LOGIN = Redirect("accounts:login")
STAFF_LOGIN = Redirect("accounts:staff-login")


@dataclass(frozen=True)
class Case:
    label: str
    kwargs: dict = field(default_factory=dict)  # URL kwarg → name of a world object, or an int
    expect: dict = field(default_factory=dict)  # role → outcome


def everyone(outcome) -> dict:
    return dict.fromkeys(ROLES, outcome)


def staff_page(*allowed: str, ok=200, others=404) -> dict:
    """A management page: anonymous → staff login, resident → 403, staff per data scope."""
    return {ANONYMOUS: STAFF_LOGIN, RESIDENT: 403, **{r: (ok if r in allowed else others) for r in STAFF_ROLES}}


def signed_in_page(outcome=200, **overrides) -> dict:
    """A resident page: anonymous → login; every signed-in role gets `outcome` unless overridden."""
    return {ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], outcome), **overrides}


# --- the JSON API (/api/v1/): no redirects, a 401 for a caller who is not signed in ---------
UNAUTHENTICATED = 401


def api_staff(*allowed: str, ok=200, others=404) -> dict:
    """A management endpoint: anonymous → 401, resident → 403, staff per data scope."""
    return {ANONYMOUS: UNAUTHENTICATED, RESIDENT: 403, **{r: (ok if r in allowed else others) for r in STAFF_ROLES}}


def api_signed_in(outcome=200, **overrides) -> dict:
    """A resident endpoint: anonymous → 401; every signed-in role gets `outcome` unless overridden."""
    return {ANONYMOUS: UNAUTHENTICATED, **dict.fromkeys(ROLES[1:], outcome), **overrides}


# Resident pages: what nobody but the signed-in resident of the place may open (the 联户长's
# account lives in the fixture household, so it may too), what nobody may, and POST-only ones.
NOBODY = {ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 404)}
OWN_COMMUNITY = {**NOBODY, RESIDENT: 200, "link_head": 200}
POST_ONLY = {ANONYMOUS: LOGIN, **dict.fromkeys(ROLES[1:], 405)}
