from django.urls import path

from dte.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("fees/", views.fees, name="fees"),
    path("plans/draw/", views.plan_draw, name="draw"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("inspections/open/", views.inspection_open, name="inspection_open"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/<slug:what>/", views.inspection_act, name="inspection_act"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("documents/request/", views.document_request, name="document_request"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/file/", views.document_file, name="document_file"),
    path("institution/", views.institution_home, name="institution"),
    path("quality/", views.quality, name="quality"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("anomalies/counts/", views.anomaly_counts, name="anomaly_counts"),
    path("surveys/", views.surveys, name="surveys"),
    path("surveys/<int:pk>/", views.survey, name="survey"),
]
