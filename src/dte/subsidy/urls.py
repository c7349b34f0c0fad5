from django.urls import path

from dte.subsidy import views

app_name = "subsidy"
urlpatterns = [
    path("", views.my_claims, name="my_claims"),
    path("start/", views.claim_start, name="start"),
    path("claims/<int:pk>/", views.claim_detail, name="claim"),
    path("claims/<int:pk>/evidence/<int:eid>/", views.evidence_file, name="evidence"),
    path("claims/<int:pk>/<slug:action>/", views.claim_act, name="act"),
    path("queue/", views.queue, name="queue"),
    path("objections/", views.objections, name="objections"),
    path("objections/decide/", views.objections_decide, name="objections_decide"),
    path("objections/<int:pk>/decide/", views.objection_decide, name="objection_decide"),
    path("objections/<int:pk>/evidence/<int:eid>/", views.objection_evidence, name="objection_evidence"),
    path("payments/", views.payments_home, name="payments"),
    path("payments/budget/", views.fund_budget, name="fund_budget"),
    path("payments/batches/", views.batch_create, name="batch_create"),
    path("payments/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("payments/batches/<int:pk>/file.<slug:fmt>", views.batch_file, name="batch_file"),
    path("payments/batches/<int:pk>/results/", views.batch_results, name="batch_results"),
    path("payments/batches/<int:pk>/lines/<int:line>/return/", views.line_return, name="line_return"),
    path("facts/", views.fact_imports, name="facts"),
    path("city/", views.city, name="city"),
    path("city/redecide/", views.redecide_all, name="redecide"),
    path("city/tokens/", views.token_issue, name="token_issue"),
    path("city/credit.<slug:fmt>", views.credit_export, name="credit_export"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/objection/", views.objection_new, name="objection"),
    path("credit/", views.credit_list, name="credit"),
]
