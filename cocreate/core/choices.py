"""Choice labels without rebuilding the choices on every call.

Django's `get_<field>_display()` builds a dict of all the field's choices, hashing each lazy
label (a translation each), on every call: a list of 30 needs with a status and a scope made
about 300 translations a page. Here each field's value → label map is built once, when the
apps are ready, and a call translates one label."""

from functools import partialmethod

from django.apps import apps
from django.utils.encoding import force_str


def _display(instance, *, field, labels: dict):
    value = getattr(instance, field.attname)
    try:
        label = labels.get(value, value)
    except TypeError:  # an unhashable value (a JSON field's list): Django's own way
        return instance._get_FIELD_display(field)
    return force_str(label, strings_only=True)


def install(app_prefix: str = "cocreate.") -> None:
    """Give every model of the project's apps the quick display methods. A model that writes
    its own `get_<field>_display` keeps it."""
    for model in apps.get_models():
        if not model.__module__.startswith(app_prefix):
            continue
        for field in model._meta.concrete_fields:
            name = f"get_{field.name}_display"
            generated = isinstance(model.__dict__.get(name), partialmethod)
            if field.choices and generated:
                setattr(model, name, partialmethod(_display, field=field, labels=dict(field.flatchoices)))
