from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cocreate.audit"
    label = "audit"
