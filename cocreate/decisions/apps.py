from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "cocreate.decisions"
    label = "decisions"
