from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API (/api/v1/) for the WeChat mini-program and any other client."""

    name = "cocreate.api"
    label = "api"
