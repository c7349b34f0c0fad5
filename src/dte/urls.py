from django.urls import include, path

from dte.api.main import api
from dte.audit.admin_site import site as admin_site
from dte.training import urls as training_urls
from dte.web import trainee

# The API first: its requests (the busiest, claim submission among them) resolve without trying
# every page's pattern before it.
urlpatterns = [
    path("api/", api.urls),
    path("", include("dte.web.urls")),
    path("accounts/", include("dte.accounts.urls")),
    # training's pages and, in its namespace, the trainee's own page (training:me), a web view because
    # it shows evaluation's level result as well
    path("training/", include((training_urls.urlpatterns + trainee.training_urlpatterns, "training"))),
    path("evaluation/", include("dte.evaluation.urls")),
    path("subsidy/", include("dte.subsidy.urls")),
    path("admin/", admin_site.urls),
    path("reports/", include("dte.reports.urls")),
    path("supervision/", include("dte.supervision.urls")),
    path("parameters/", include("dte.parameters.urls")),
    path("notifications/", include("dte.notifications.urls")),
]

# The error pages in Chinese, in the site's layout (dte.web.errors).
handler403 = "dte.web.errors.permission_denied"
handler404 = "dte.web.errors.page_not_found"
handler500 = "dte.web.errors.server_error"
