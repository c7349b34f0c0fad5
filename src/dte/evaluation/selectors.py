"""Reads of the level assessment. Non-public selectors take the actor and return only what its role
and scope allow."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from dte.accounts.permissions import Cap, can, require
from dte.evaluation.models import LevelCertificate, Registration, TitleRecognition
from dte.training.models import TrainingCertificate


def registrations_for(*, actor):
    qs = Registration.objects.select_related(
        "person", "institution", "evaluation_body", "occupation", "level", "training_certificate"
    )
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.MANAGE_EVALUATION):
        return qs.filter(evaluation_body_id=actor.evaluation_body_id)
    if can(actor, Cap.MANAGE_INSTITUTION):
        return qs.filter(institution_id=actor.institution_id)
    raise PermissionDenied("无权查看等级考核申报")


def registration_for(*, actor, pk: int) -> Registration:
    reg = registrations_for(actor=actor).filter(pk=pk).first()
    if reg is None:
        if Registration.objects.filter(pk=pk).exists():
            raise PermissionDenied("无权查看该申报")
        raise Http404("没有这条申报")
    return reg


def registrable_certificates(*, actor):
    """The institution's valid training certificates not yet registered (or whose last registration
    ended without a certificate)."""
    require(actor, Cap.MANAGE_INSTITUTION)
    open_regs = Registration.objects.exclude(
        status__in=[Registration.Status.REJECTED, Registration.Status.FAILED]
    )
    return (
        TrainingCertificate.objects.filter(
            institution_id=actor.institution_id, status=TrainingCertificate.Status.VALID
        )
        .exclude(pk__in=open_regs.values("training_certificate_id"))
        .select_related("person", "occupation", "level")
    )


def level_certificates_for(*, actor):
    qs = LevelCertificate.objects.select_related("person", "evaluation_body", "occupation", "level")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.MANAGE_EVALUATION):
        return qs.filter(evaluation_body_id=actor.evaluation_body_id)
    if can(actor, Cap.MANAGE_INSTITUTION):
        return qs.filter(registration__institution_id=actor.institution_id)
    if can(actor, Cap.VIEW_OWN_RECORDS):
        return qs.filter(person_id=actor.person_id)
    raise PermissionDenied("无权查看专业技术等级证书")


def level_certificate_for(*, actor, pk: int) -> LevelCertificate:
    cert = level_certificates_for(actor=actor).filter(pk=pk).first()
    if cert is None:
        if LevelCertificate.objects.filter(pk=pk).exists():
            raise PermissionDenied("无权查看该证书")
        raise Http404("没有这张证书")
    return cert


def certificate_by_code(*, code: str) -> LevelCertificate:
    cert = (
        LevelCertificate.objects.select_related("person", "evaluation_body", "occupation", "level")
        .filter(code=code)
        .first()
    )
    if cert is None:
        raise Http404("证书不存在")
    return cert


def titles_for(*, actor):
    """Title recognition records [P4.2]: the city (and auditors) see all; a trainee their own."""
    qs = TitleRecognition.objects.select_related("person", "certificate__occupation", "certificate__level")
    if can(actor, Cap.SUPERVISE_CITY):
        return qs
    if can(actor, Cap.VIEW_OWN_RECORDS):
        return qs.filter(person_id=actor.person_id)
    raise PermissionDenied("无权查看职称认定记录")


def my_level(*, actor) -> dict:
    require(actor, Cap.VIEW_OWN_RECORDS)
    return {
        "registrations": Registration.objects.filter(person_id=actor.person_id).select_related(
            "occupation", "level", "evaluation_body"
        ),
        "level_certificates": LevelCertificate.objects.filter(person_id=actor.person_id).select_related(
            "occupation", "level", "evaluation_body"
        ),
        "titles": TitleRecognition.objects.filter(person_id=actor.person_id).select_related(
            "certificate__occupation", "certificate__level"
        ),
    }
