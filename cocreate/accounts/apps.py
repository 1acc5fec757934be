from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cocreate.accounts"
    label = "accounts"
