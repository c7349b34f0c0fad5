from django.contrib import admin

from dte.audit.admin_site import CapabilityAdmin, site
from dte.catalog import models


@admin.register(models.Occupation, site=site)
class OccupationAdmin(CapabilityAdmin):
    list_display = ["code", "name", "field", "position"]
    search_fields = ["code", "name"]


@admin.register(models.Level, site=site)
class LevelAdmin(CapabilityAdmin):
    list_display = ["code", "name", "rank", "title"]


@admin.register(models.County, site=site)
class CountyAdmin(CapabilityAdmin):
    list_display = ["code", "name"]


@admin.register(models.Institution, site=site)
class InstitutionAdmin(CapabilityAdmin):
    list_display = ["name", "active", "position"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(models.Designation, site=site)
class DesignationAdmin(CapabilityAdmin):
    list_display = ["institution", "occupation", "since", "reference"]
    list_filter = ["occupation"]
    autocomplete_fields = ["institution", "occupation"]


@admin.register(models.EvaluationBody, site=site)
class EvaluationBodyAdmin(CapabilityAdmin):
    list_display = ["code", "name", "active"]
