from django.urls import path

from dte.parameters import views

app_name = "parameters"

urlpatterns = [
    path("", views.index, name="index"),
    path("draft/", views.draft, name="draft"),
    path("changed/", views.changed, name="changed"),
    path("<int:pk>/", views.version, name="version"),
    path("<int:pk>/affected.csv", views.affected_csv, name="affected_csv"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
