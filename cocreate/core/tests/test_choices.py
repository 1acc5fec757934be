"""Choice labels (core/choices.py): the same answers as Django's get_<field>_display, in the
active language, from a map built once."""

from django.utils import translation

from cocreate.core import choices
from cocreate.needs.models import Need


def test_the_display_methods_of_project_models_are_the_quick_ones():
    assert Need.__dict__["get_status_display"].func is choices._display


def test_a_label_follows_the_active_language_and_an_unknown_value_shows_as_itself():
    need = Need(status=Need.Status.RESOLVED, scope=Need.Scope.INDIVIDUAL)
    with translation.override("zh-hans"):
        assert (need.get_status_display(), need.get_scope_display()) == ("已解决", "个性")
    with translation.override("en"):
        assert need.get_status_display() == "Resolved"
    need.status = "no-such-status"
    assert need.get_status_display() == "no-such-status"
