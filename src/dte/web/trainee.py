"""The trainee's own page (training:me) [P2.3], [P4.1], [P4.2]: the training record and, from
evaluation (which is built on training), the level-assessment result. It lives here, above the
domain apps, and is mounted in training's URL namespace by dte/urls.py."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse

from dte.core import clock
from dte.core.permissions import Cap, allows
from dte.evaluation import selectors as evaluation
from dte.training import selectors as training

PROVINCIAL_CLAIM_PLATFORM = "https://zynl.rlsbt.zj.gov.cn"  # [A2.5] 浙江省职业能力一体化工作平台


def claim_link() -> tuple[str, bool]:
    """The subsidy claim entry: this platform's claim page once it exists, else the provincial platform
    named by [A2.5]."""
    try:
        return reverse("subsidy:my_claims"), True
    except NoReverseMatch:
        return PROVINCIAL_CLAIM_PLATFORM, False


@allows(Cap.VIEW_OWN_RECORDS)
def me(request):
    data = training.my_training(actor=request.user, now=clock.now())
    level = evaluation.my_level(actor=request.user)
    url, internal = claim_link()
    return render(
        request, "training/me.html", {**data, **level, "claim_url": url, "claim_internal": internal}
    )


# Added to training's URL patterns (namespace "training"), so the page keeps /training/me/ and its name.
training_urlpatterns = [path("me/", me, name="me")]
