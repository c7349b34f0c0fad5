"""What the training API's modules share: the router mounted at /api/training, the session
authentication, the reason schema, an enrolment looked up within the actor's scope. Errors answer
the API's one shape (dte.core.api_errors.ErrorOut)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from dte.core.api_auth import session_auth
from dte.training import selectors
from dte.training.models import Enrolment

router = Router(tags=["training"])
auth = {"auth": session_auth}


class ReasonIn(Schema):
    reason: str


def enrolment_in_scope(request, pk: int) -> Enrolment:
    e = get_object_or_404(Enrolment.objects.select_related("klass__plan", "person"), pk=pk)
    selectors.class_for(actor=request.auth, pk=e.klass_id)
    return e
