from django.urls import path

from dte.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("register/<int:certificate_pk>/", views.register, name="register"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration"),
    path("registrations/<int:pk>/check/", views.registration_check, name="registration_check"),
    path("registrations/<int:pk>/scores/", views.registration_scores, name="registration_scores"),
    path("registrations/<int:pk>/issue/", views.registration_issue, name="registration_issue"),
    path("results/import/", views.results_import, name="results_import"),
    path("results/jobs/<int:pk>/confirm/", views.results_job_confirm, name="results_job_confirm"),
    path("results/template.xlsx", views.results_template, name="results_template"),
    path("certificates/<int:pk>/", views.certificate_detail, name="certificate"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/qr.png", views.verify_qr, name="verify_qr"),
    path("titles/", views.titles, name="titles"),
    path("titles/export.xlsx", views.titles_export, name="titles_export"),
]
