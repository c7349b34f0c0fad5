from django.urls import path

from dte.reports import views

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("year/", views.year_reports, name="year_reports"),
    path("year/generate/", views.year_report_generate, name="year_report_generate"),
    path("year/<int:pk>/", views.year_report, name="year_report"),
    path("year/<int:pk>/<slug:what>/", views.year_report_act, name="year_report_act"),
    path("open/", views.open_statistics, name="open"),
]
