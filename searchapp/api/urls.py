from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from personalization.views import SessionErasureView, ShopperErasureView

from .events import EventsView
from .views import HealthView, SearchView, SuggestView

urlpatterns = [
    path("search", SearchView.as_view(), name="search"),
    path("suggest", SuggestView.as_view(), name="suggest"),
    path("health", HealthView.as_view(), name="health"),
    path("events", EventsView.as_view(), name="events"),
    path("shoppers/<path:shopper_id>", ShopperErasureView.as_view(), name="shopper-erasure"),
    path("sessions/<path:session_id>", SessionErasureView.as_view(), name="session-erasure"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]
