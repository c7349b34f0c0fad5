from django.urls import path

from dte.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("occupations/", views.occupations, name="occupations"),
    path("institutions/", views.institutions, name="institutions"),
    path("institutions/<int:pk>/", views.institution, name="institution"),
]
