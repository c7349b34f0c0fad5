"""A test-only URL configuration: the platform's, its error handlers, and a page that fails."""

from django.urls import path

from dte.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), *urlpatterns]
