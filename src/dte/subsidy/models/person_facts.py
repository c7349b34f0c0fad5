"""The person facts a claim is decided on [A2.1], [A2.7c], their import files and the API tokens of
the systems that load them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dte.core.compactjson import CompactJSONEncoder
from dte.people.fields import EncryptedBinaryField


class Residence(models.Model):
    """Wenzhou household registration (户籍) or residence permit (居住证) [A2.1a], with the dates it
    holds; the claim is judged on the facts as they stand on the claim date [A2.7c]."""

    class Kind(models.TextChoices):
        HUKOU = "hukou", "温州户籍"
        PERMIT = "permit", "温州居住证"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="residences")
    kind = models.CharField("类别", max_length=8, choices=Kind.choices)
    valid_from = models.DateField("起始日期")
    valid_to = models.DateField("截止日期", null=True, blank=True)
    source = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        verbose_name = "户籍/居住证"
        verbose_name_plural = "户籍/居住证"
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "valid_from"], name="one_residence_per_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}"


class Unemployment(models.Model):
    """An unemployment registration (失业登记) in a Wenzhou county [A2.1a]."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="unemployments")
    county = models.ForeignKey("catalog.County", on_delete=models.PROTECT, related_name="+")
    registered_on = models.DateField("登记日期")
    ended_on = models.DateField("注销日期", null=True, blank=True)
    source = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        verbose_name = "失业登记"
        verbose_name_plural = "失业登记"
        constraints = [
            models.UniqueConstraint(fields=["person", "registered_on"], name="one_unemployment_per_day")
        ]

    def __str__(self) -> str:
        return f"失业登记 {self.county_id} {self.registered_on}"


class Employment(models.Model):
    """Employment or self-employment [A2.1b]: employer, in Wenzhou or not, and whether the person is
    on the establishment of a government organ or public institution (机关事业单位在编)."""

    class Status(models.TextChoices):
        EMPLOYED = "employed", "就业"
        SELF_EMPLOYED = "self_employed", "自主创业/灵活就业"

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="employments")
    status = models.CharField("就业状态", max_length=16, choices=Status.choices)
    employer = models.CharField("用人单位", max_length=120, blank=True)
    in_wenzhou = models.BooleanField("在温州就业", default=True)
    public_institution_staff = models.BooleanField("机关事业单位在编", default=False)
    started_on = models.DateField("起始日期")
    ended_on = models.DateField("截止日期", null=True, blank=True)
    source = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        verbose_name = "就业信息"
        verbose_name_plural = "就业信息"
        constraints = [
            models.UniqueConstraint(fields=["person", "started_on"], name="one_employment_per_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.employer} {self.started_on}"


class InsuranceMonth(models.Model):
    """One month of Wenzhou social-insurance contributions and the county paid in [A2.1b], [A2.5]."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="insurance_months")
    month = models.DateField("缴费月份")  # the first day of the month
    county = models.ForeignKey("catalog.County", on_delete=models.PROTECT, related_name="+")
    source = models.CharField("来源", max_length=60, blank=True)

    class Meta:
        ordering = ["month"]
        verbose_name = "社保缴费月份"
        verbose_name_plural = "社保缴费月份"
        constraints = [
            models.UniqueConstraint(fields=["person", "month"], name="one_insurance_row_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.county_id}"


class PersonStatus(models.Model):
    """Facts with one value per person: graduate status (D2), retirement [A2.1c]."""

    class RetirementCategory(models.TextChoices):
        MALE = "male", "男职工"
        FEMALE_CADRE = "female_cadre", "女干部(原55岁)"
        FEMALE_WORKER = "female_worker", "女工人(原50岁)"

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="subsidy_status")
    school_in_wenzhou = models.BooleanField("在温就读", default=False)
    graduation_date = models.DateField("毕业日期", null=True, blank=True)
    retired_on = models.DateField("办理退休日期", null=True, blank=True)
    retirement_category = models.CharField(
        "退休类别", max_length=16, choices=RetirementCategory.choices, blank=True
    )

    class Meta:
        verbose_name = "毕业/退休信息"
        verbose_name_plural = "毕业/退休信息"

    def __str__(self) -> str:
        return f"毕业/退休信息 #{self.person_id}"


class FactImport(models.Model):
    """One import file of person facts: all or nothing, bad rows reported by line."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已导入"
        FAILED = "failed", "有错误,未导入"

    kind = models.CharField("数据类别", max_length=16)
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    content = EncryptedBinaryField()  # the imported file (people's facts), encrypted at rest
    county = models.ForeignKey(
        "catalog.County", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("总行数", default=0)
    processed = models.PositiveIntegerField("已处理", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    errors = models.JSONField("错误", default=list, encoder=CompactJSONEncoder)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # A run claims the job (attempts + 1) and beats as it goes; a job running with no beat for
    # dte.accounts.jobs.STALE is taken as dead and queued again (dte.subsidy.facts.imports_reclaim).
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    beat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = "信息导入"
        verbose_name_plural = "信息导入"

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"

    @property
    def progress(self) -> int:
        return 100 if not self.total else int(100 * self.processed / self.total)


class ApiToken(models.Model):
    """A token for a system integration, scoped to one county (or the whole city when county is
    empty). Only the SHA-256 of the token is kept; the token itself is shown once."""

    name = models.CharField("名称", max_length=60)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    county = models.ForeignKey(
        "catalog.County", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
