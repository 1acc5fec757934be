from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "cocreate.orgs"
    label = "orgs"
