"""/api/v1/ (namespace `api`): the NinjaAPI's operations, the OpenAPI document and the docs."""

from django.urls import path

from .api import api

urlpatterns = [path("", api.urls)]
