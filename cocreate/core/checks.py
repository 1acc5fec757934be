"""`manage.py check --deploy`: what a county's server needs beyond Django's own checks."""

from django.core import checks

from . import generations


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if generations.shared():
        return []
    return [checks.Warning(
        "The cache is per process: with more than one worker, cached figures may lag a write by up to "
        "five minutes in the other workers, and staff grants are read from the database on every request.",
        hint="Set REDIS_URL (for example redis://127.0.0.1:6379/0).", id="cocreate.W001")]
