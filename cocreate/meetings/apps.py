from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "cocreate.meetings"
    label = "meetings"
