from typing import Self

from django.db import models


class PathScopedQuerySet(models.QuerySet):
    """Rows that carry the materialized path of their node."""

    path_field = "path"

    def in_subtree(self, node) -> Self:
        return self.filter(**{f"{self.path_field}__startswith": node.path})

    def in_any_subtree(self, paths: list[str]) -> Self:
        if not paths:
            return self.none()
        condition = models.Q()
        for path in paths:
            condition |= models.Q(**{f"{self.path_field}__startswith": path})
        return self.filter(condition)


class OrgUnitQuerySet(PathScopedQuerySet):
    def of_kind(self, *kinds: str) -> Self:
        return self.filter(kind__in=kinds)


class HouseholdQuerySet(PathScopedQuerySet):
    pass


class PersonQuerySet(PathScopedQuerySet):
    pass
