from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "cocreate.notify"
    label = "notify"
