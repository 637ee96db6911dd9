"""URLs: the admin (zh-hans) and the REST API under ``/api/v1/`` (OpenAPI at ``/api/v1/openapi.json``)."""

from django.contrib import admin
from django.urls import include, path

from jixiao.store.api import api

admin.site.site_header = "绩效评价管理"
admin.site.site_title = "绩效评价管理"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("jixiao.web.urls")),
]
