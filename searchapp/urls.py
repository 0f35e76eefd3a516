from django.contrib import admin
from django.urls import include, path

from .search_analytics import search_analytics
from .search_preview import search_preview

urlpatterns = [
    # Before the admin's own URLs, which would take any admin/ path.
    path("admin/search-preview/", admin.site.admin_view(search_preview), name="search_preview"),
    path("admin/search-analytics/", admin.site.admin_view(search_analytics), name="search_analytics"),
    path("admin/", admin.site.urls),
    path("api/", include("searchapp.api.urls")),
]
