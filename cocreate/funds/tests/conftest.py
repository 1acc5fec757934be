"""Helpers shared by the funds tests: projects with confirmed contributions (ledger rows inserted
directly, as the projects services would), a second cadre and officials for maker-checker, pools."""

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English msgids."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def make_staff(username: str, *, node, role: str):
    from cocreate.accounts.services import staff_user_create
    from cocreate.core.testing import STAFF_PASSWORD
    from cocreate.orgs.models import RoleGrant

    user = staff_user_create(actor=None, username=username, password=STAFF_PASSWORD, display_name=username)
    RoleGrant.objects.create(user=user, node=node, role=role)
    return user


def make_project(community, title="村道硬化", budget_fen=15_000_000, node=None):
    from cocreate.projects.models import Project

    node = node or community
    return Project.objects.create(community=community, node=node, path=node.path, title=title, scope="650米道路",
                                  budget_fen=budget_fen, status=Project.Status.FUNDING)


def contribute(project, household, *, kind="cash", value_fen=0, hours=0, cash_fen=0):
    """A confirmed ledger entry (append-only: inserting is allowed)."""
    from cocreate.projects.models import Contribution

    return Contribution.objects.create(project=project, community=project.community, kind=kind,
                                       household=household, value_fen=value_fen, hours=hours, cash_fen=cash_fen)


@pytest.fixture
def officials(cast, org_tree):
    """Two of each reviewing role, so that a maker and a checker exist at every level."""
    from cocreate.orgs.models import Role

    return {
        "cadre": cast["cadre"], "cadre_b": make_staff("cadre_b", node=org_tree.community, role=Role.CADRE),
        "street": cast["street_official"],
        "county": cast["county_official"],
        "county_b": make_staff("county_b", node=org_tree.county, role=Role.COUNTY_OFFICIAL),
    }


@pytest.fixture
def make_pool(org_tree, officials):
    from cocreate.funds import services

    def _make(*, method="proportional", budget_fen=10_000_000, open_it=True, node=None, actor="county", **kwargs):
        now = timezone.now()
        if method in ("greedy", "mes", "mes_complete"):
            kwargs.setdefault("vote_opens_at", now - timedelta(hours=1))
            kwargs.setdefault("vote_closes_at", now + timedelta(days=3))
        pool = services.pool_create(
            actor=officials.get(actor), node=node or org_tree.county, year=kwargs.pop("year", now.year),
            name=kwargs.pop("name", "以奖代补资金"), budget_fen=budget_fen,
            rate_permille=kwargs.pop("rate_permille", 1000),
            counted_kinds=kwargs.pop("counted_kinds", ["cash", "labour", "materials"]), method=method, **kwargs)
        if open_it:
            pool = services.pool_set_status(actor=officials.get(actor), pool=pool, status="open")
        return pool

    return _make


@pytest.fixture
def approved(officials):
    """Prepare, submit and approve an application through all three levels."""
    from cocreate.funds import services

    def _approve(pool, project, requested_fen, *, score=None):
        app = services.application_create(actor=officials["cadre"], pool=pool, project=project,
                                           requested_fen=requested_fen)
        services.application_submit(actor=officials["cadre"], application=app)
        services.application_review(actor=officials["cadre_b"], application=app, decision="approve")
        services.application_review(actor=officials["street"], application=app, decision="approve")
        services.application_review(actor=officials["county"], application=app, decision="approve", score=score)
        app.refresh_from_db()
        return app

    return _approve
