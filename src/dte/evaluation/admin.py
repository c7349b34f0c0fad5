"""Read-only admin views of the level-assessment records for the city and auditors."""

from django.contrib import admin

from dte.audit.admin_site import site
from dte.evaluation import models
from dte.training.admin import ReadOnly


@admin.register(models.Registration, site=site)
class RegistrationAdmin(ReadOnly):
    list_display = [
        "person",
        "occupation",
        "level",
        "institution",
        "evaluation_body",
        "status",
        "theory_score",
        "ability_score",
    ]
    list_filter = ["status", "level"]


@admin.register(models.LevelCertificate, site=site)
class LevelCertificateAdmin(ReadOnly):
    list_display = ["number", "person", "occupation", "level", "evaluation_body", "issued_on", "status"]
    list_filter = ["status", "level"]
    search_fields = ["number"]
    exclude = ["code"]


@admin.register(models.TitleRecognition, site=site)
class TitleRecognitionAdmin(ReadOnly):
    list_display = ["person", "title", "route", "recognised_on", "void"]
