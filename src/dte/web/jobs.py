"""The page of a background import (dte.accounts.jobs): a progress bar while it runs, kept up to
date by web/job.js polling ``job_progress`` once a second (without JavaScript the page refreshes
itself), then the result: the counts, each refused row with its reasons, the rows written with a
warning, and the next step a finished preview offers. Only the uploader's scope sees a job; anyone
else gets 404."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from dte.accounts import jobs
from dte.core.permissions import Cap, allows


@allows(Cap.SIGNED_IN)
def job(request, pk: int):
    return render(
        request, "web/job.html", {"job": get_object_or_404(jobs.jobs_for(actor=request.user), pk=pk)}
    )


@allows(Cap.SIGNED_IN)
def job_progress(request, pk: int):
    job = get_object_or_404(jobs.jobs_for(actor=request.user), pk=pk)
    response = JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "done": job.rows_done,
            "total": job.rows_total,
            "finished": job.finished,
        }
    )
    response["Cache-Control"] = "no-store"
    return response
