from django.urls import path

from dte.web import jobs, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("occupations/", views.occupations, name="occupations"),
    path("institutions/", views.institutions, name="institutions"),
    path("institutions/<int:pk>/", views.institution, name="institution"),
    path("jobs/<int:pk>/", jobs.job, name="job"),
    path("jobs/<int:pk>/progress/", jobs.job_progress, name="job_progress"),
]
