"""Level assessment [P3.3], level certificates and title recognition [P4.2].

Rows are written only by ``dte.evaluation.services``; every transition there is audited."""

from __future__ import annotations

from django.conf import settings
from django.db import models

PASS_MARK = 60  # [P3.3] both the theory exam and the ability assessment, each out of 100


class Education(models.TextChoices):
    NONE = "none", "无相关学历"
    TECHNICIAN_COLLEGE = "technician_college", "技工院校毕业"
    ASSOCIATE = "associate", "大专"
    BACHELOR = "bachelor", "本科"
    MASTER = "master", "硕士研究生"
    DOCTORATE = "doctorate", "博士研究生"


class TitleHeld(models.TextChoices):
    NONE = "none", "无"
    TECHNICIAN = "technician", "技术员"
    ASSISTANT_ENGINEER = "assistant_engineer", "助理工程师"
    ENGINEER = "engineer", "工程师"


class Registration(models.Model):
    """A training-certificate holder registered by the institution with the evaluation body [P3.3]."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "已申报,待审核条件"
        ACCEPTED = "accepted", "条件审核通过,待考核"
        REJECTED = "rejected", "条件不符"
        PASSED = "passed", "考核合格"
        FAILED = "failed", "考核不合格"
        CERTIFIED = "certified", "已发证"

    training_certificate = models.ForeignKey(
        "training.TrainingCertificate",
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name="培训合格证书",
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="level_registrations")
    institution = models.ForeignKey("catalog.Institution", on_delete=models.PROTECT, related_name="+")
    evaluation_body = models.ForeignKey(
        "catalog.EvaluationBody",
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name="评价机构",
    )
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("catalog.Level", on_delete=models.PROTECT, related_name="+")
    # Declared application conditions (policy-facts §6), checked by the evaluation body.
    education = models.CharField("学历", max_length=20, choices=Education.choices)
    education_related = models.BooleanField("所学专业与本职业相关", default=True)
    graduating_student = models.BooleanField("毕业年度在校学生", default=False)
    title_held = models.CharField(
        "已有职称", max_length=20, choices=TitleHeld.choices, default=TitleHeld.NONE
    )
    years_in_occupation = models.PositiveSmallIntegerField("从事本职业年限", default=0)
    # Submitted although the declared facts meet no route of the conditions: the institution insisted,
    # with a reason; flagged to the city.
    insisted = models.BooleanField("坚持申报(申报条件未满足)", default=False)
    insist_reason = models.TextField("坚持申报理由", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REGISTERED)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField("申报时间")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    check_note = models.TextField("条件审核意见", blank=True)
    theory_score = models.PositiveSmallIntegerField("理论知识考试成绩", null=True, blank=True)
    ability_score = models.PositiveSmallIntegerField("专业能力考核成绩", null=True, blank=True)
    exam_date = models.DateField("考核日期", null=True, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = "等级考核申报"
        verbose_name_plural = "等级考核申报"

    def __str__(self) -> str:
        return f"{self.person.masked_name} · {self.occupation.name} {self.level.name}"

    @property
    def passed_both(self) -> bool:
        return (
            self.theory_score is not None
            and self.ability_score is not None
            and self.theory_score >= PASS_MARK
            and self.ability_score >= PASS_MARK
        )


class LevelCertificate(models.Model):
    """专业技术等级证书 [P3.3]: issued by the evaluation body when both parts are passed."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"

    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="certificate")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="level_certificates")
    evaluation_body = models.ForeignKey("catalog.EvaluationBody", on_delete=models.PROTECT, related_name="+")
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("catalog.Level", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("证书编号", max_length=32, unique=True)
    code = models.CharField("验证码", max_length=32, unique=True)
    theory_score = models.PositiveSmallIntegerField("理论知识考试成绩")
    ability_score = models.PositiveSmallIntegerField("专业能力考核成绩")
    issued_on = models.DateField("发证日期")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoke_reason = models.TextField("撤销理由", blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = "专业技术等级证书"
        verbose_name_plural = "专业技术等级证书"

    def __str__(self) -> str:
        return self.number


class TitleRecognition(models.Model):
    """The title a level certificate bridges to [P4.2]: 初级 → 助理工程师 and 中级 → 工程师 directly
    recognised; 高级 → may apply for the 高级工程师 review."""

    class Route(models.TextChoices):
        DIRECT = "direct_recognition", "直接认定"
        REVIEW = "may_apply_for_review", "可直接申报评审"

    certificate = models.OneToOneField(LevelCertificate, on_delete=models.PROTECT, related_name="title")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="titles")
    title = models.CharField("职称", max_length=20)
    route = models.CharField("方式", max_length=24, choices=Route.choices)
    recognised_on = models.DateField("认定日期")
    void = models.BooleanField("已作废", default=False)

    class Meta:
        ordering = ["-recognised_on", "-id"]
        verbose_name = "职称认定记录"
        verbose_name_plural = "职称认定记录"

    def __str__(self) -> str:
        return f"{self.person.masked_name} {self.title}"
