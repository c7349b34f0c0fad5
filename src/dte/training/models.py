"""The real-name training system [P2.3], [P4.3]: plans on file, classes, enrolment, sessions,
attendance, training certificates, continuing-education credits and public events.

Rows are written only by ``dte.training.services``; every transition there is audited."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

# The length of one 学时 (class hour) is a dated policy parameter (policy/parameters/class_hour.yaml),
# read through ``dte.training.rules.minutes_per_hour``.


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


class Mode(models.TextChoices):
    OFFLINE = "offline", "线下"
    ONLINE = "online", "线上"
    BLENDED = "blended", "线上+线下"


class TrainingPlan(models.Model):
    """A training plan and the agreed level-assessment plan, put on file (备案) by the city [P3.1]."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交备案"
        ON_FILE = "on_file", "已备案"
        RETURNED = "returned", "退回修改"

    institution = models.ForeignKey(
        "catalog.Institution", on_delete=models.PROTECT, related_name="plans", verbose_name="培训机构"
    )
    occupation = models.ForeignKey(
        "catalog.Occupation", on_delete=models.PROTECT, related_name="plans", verbose_name="职业"
    )
    level = models.ForeignKey(
        "catalog.Level", on_delete=models.PROTECT, related_name="plans", verbose_name="等级"
    )
    direction = models.CharField("方向", max_length=60, blank=True)
    title = models.CharField("计划名称", max_length=120)
    hours_theory_offline = models.PositiveIntegerField("理论学时(线下)", default=0)
    hours_theory_online = models.PositiveIntegerField("理论学时(线上)", default=0)
    hours_practice_offline = models.PositiveIntegerField("实操学时(线下)", default=0)
    hours_practice_online = models.PositiveIntegerField("实操学时(线上)", default=0)
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结束日期")
    schedule = models.TextField("培训安排", blank=True)
    place = models.CharField("培训地点", max_length=120, blank=True)
    mode = models.CharField("培训方式", max_length=10, choices=Mode.choices, default=Mode.BLENDED)
    capacity = models.PositiveIntegerField("计划人数")
    fee = models.PositiveIntegerField("收费标准(元/人)")
    evaluation_body = models.ForeignKey(
        "catalog.EvaluationBody", on_delete=models.PROTECT, related_name="plans", verbose_name="评价机构"
    )
    assessment_plan = models.TextField("专业技术等级考核计划和方案")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField("退回理由", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField("备案/退回时间", null=True, blank=True)
    filing_number = models.CharField("备案号", max_length=32, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = "培训计划"
        verbose_name_plural = "培训计划"
        constraints = [
            models.UniqueConstraint(
                fields=["filing_number"], condition=~models.Q(filing_number=""), name="unique_filing_number"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def theory_hours(self) -> int:
        return self.hours_theory_offline + self.hours_theory_online

    @property
    def practice_hours(self) -> int:
        return self.hours_practice_offline + self.hours_practice_online

    @property
    def total_hours(self) -> int:
        return self.theory_hours + self.practice_hours


class TrainingClass(models.Model):
    """A class (班次) of a plan on file. Announced publicly with its fee [P3.2], [P5.3b]."""

    class Status(models.TextChoices):
        ENROLLING = "enrolling", "招生中"
        RUNNING = "running", "培训中"
        COMPLETED = "completed", "已结业"

    class RosterStatus(models.TextChoices):
        OPEN = "open", "未提交"
        SUBMITTED = "submitted", "待市局审核"
        APPROVED = "approved", "市局已审核"
        RETURNED = "returned", "市局退回"

    plan = models.ForeignKey(
        TrainingPlan, on_delete=models.PROTECT, related_name="classes", verbose_name="培训计划"
    )
    name = models.CharField("班次名称", max_length=120)
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结业日期")
    place = models.CharField("培训地点", max_length=120, blank=True)
    mode = models.CharField("培训方式", max_length=10, choices=Mode.choices)
    capacity = models.PositiveIntegerField("招生人数")
    fee = models.PositiveIntegerField("收费(元/人)")
    enrol_by = models.DateField("报名截止")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ENROLLING)
    roster_status = models.CharField(
        "花名册审核", max_length=10, choices=RosterStatus.choices, default=RosterStatus.OPEN
    )
    roster_note = models.TextField("花名册审核意见", blank=True)
    roster_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    roster_reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("发布时间")

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name = "培训班次"
        verbose_name_plural = "培训班次"

    def __str__(self) -> str:
        return self.name

    @property
    def institution(self):
        return self.plan.institution


class Enrolment(models.Model):
    """A real-name trainee's application to a class and its outcome [P2.0], [P2.3]."""

    class Status(models.TextChoices):
        APPLIED = "applied", "已报名"
        ADMITTED = "admitted", "已录取"
        REFUSED = "refused", "未录取"
        WITHDRAWN = "withdrawn", "已撤回"
        COMPLETED = "completed", "已结业"
        DROPPED = "dropped", "已退学"

    class Category(models.TextChoices):
        """Who may train [P2.0]."""

        IN_POST = "in_post", "在岗/从事数字技术工作的专业人员"
        GIG = "gig", "新就业形态劳动者"
        FREELANCER = "freelancer", "自由职业者"
        GRADUATE = "graduate", "毕业年度毕业生"

    klass = models.ForeignKey(
        TrainingClass, on_delete=models.PROTECT, related_name="enrolments", verbose_name="班次"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="enrolments", verbose_name="学员"
    )
    category = models.CharField("人员类别", max_length=12, choices=Category.choices)
    employer = models.CharField("工作单位", max_length=120, blank=True)
    job = models.CharField("岗位", max_length=60, blank=True)
    school = models.CharField("毕业院校", max_length=120, blank=True)
    expected_graduation = models.DateField("预计毕业日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.APPLIED)
    applied_at = models.DateTimeField("报名时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField("理由", blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="代报名经办人",
    )
    left_at = models.DateTimeField("撤回/退学时间", null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    completion_passed = models.BooleanField("结业考核合格", null=True, blank=True)
    completion_note = models.CharField("结业考核说明", max_length=200, blank=True)
    completion_assessed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["klass", "id"]
        verbose_name = "报名"
        verbose_name_plural = "报名"
        constraints = [models.UniqueConstraint(fields=["klass", "person"], name="one_enrolment_per_class")]

    def __str__(self) -> str:
        return f"{self.klass} · {self.person.masked_name}"

    @property
    def on_roster(self) -> bool:
        return self.status in (self.Status.ADMITTED, self.Status.COMPLETED)


class Session(models.Model):
    """One scheduled session (课次) of a class [P3.2]: theory or practice, online or offline."""

    class Kind(models.TextChoices):
        THEORY = "theory", "理论"
        PRACTICE = "practice", "实操"

    class SessionMode(models.TextChoices):
        OFFLINE = "offline", "线下"
        ONLINE = "online", "线上"

    klass = models.ForeignKey(
        TrainingClass, on_delete=models.PROTECT, related_name="sessions", verbose_name="班次"
    )
    date = models.DateField("日期")
    start = models.TimeField("开始")
    end = models.TimeField("结束")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    mode = models.CharField("方式", max_length=10, choices=SessionMode.choices)
    topic = models.CharField("内容", max_length=120, blank=True)
    place = models.CharField("地点", max_length=120, blank=True)
    # When the session was scheduled. A session is scheduled before it starts; one added after its
    # start is back-filled (补录): allowed with a reason, and flagged to the city [P2.3]. Empty for
    # sessions whose scheduling was not recorded (see migration 0005).
    created_at = models.DateTimeField("排课时间", null=True, blank=True)
    backfilled = models.BooleanField("补录课次", default=False)
    backfill_reason = models.CharField("补录理由", max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start", "id"]
        verbose_name = "课次"
        verbose_name_plural = "课次"

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.start:%H:%M}-{self.end:%H:%M} {self.get_kind_display()}"

    def _at(self, t: time) -> datetime:
        return datetime.combine(self.date, t, tzinfo=local_tz())

    @property
    def starts_at(self) -> datetime:
        return self._at(self.start)

    @property
    def ends_at(self) -> datetime:
        return self._at(self.end)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at) / timedelta(minutes=1))


class Attendance(models.Model):
    """Presence of one rostered trainee at one session: QR check-in/out, staff correction, or an
    online learning record imported from the online platform [P2.3]."""

    class Source(models.TextChoices):
        QR = "qr", "扫码签到"
        MANUAL = "manual", "人工更正"
        IMPORT = "import", "线上学习记录导入"
        API = "api", "线上学习记录接口"

    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, related_name="attendances", verbose_name="课次"
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="attendances", verbose_name="学员报名"
    )
    check_in = models.DateTimeField("签到时间", null=True, blank=True)
    check_out = models.DateTimeField("签退时间", null=True, blank=True)
    source = models.CharField("来源", max_length=8, choices=Source.choices)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="更正人",
    )
    correction_reason = models.CharField("更正理由", max_length=200, blank=True)
    # Manual corrections of this record so far (each one counts, also of the same record), and when
    # the last one was made: limited per trainee and class, and shown to the city [P2.3].
    corrections = models.PositiveSmallIntegerField("人工更正次数", default=0)
    corrected_at = models.DateTimeField("更正时间", null=True, blank=True)
    updated_at = models.DateTimeField("记录时间")

    class Meta:
        ordering = ["session", "enrolment"]
        verbose_name = "考勤记录"
        verbose_name_plural = "考勤记录"
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="one_attendance_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.enrolment.person.masked_name}"

    @property
    def minutes(self) -> int:
        """Minutes credited: the overlap of [check-in, check-out] with the session's scheduled time."""
        if self.check_in is None or self.check_out is None:
            return 0
        start = max(self.check_in, self.session.starts_at)
        end = min(self.check_out, self.session.ends_at)
        return max(0, int((end - start) / timedelta(minutes=1)))


class TrainingCertificate(models.Model):
    """培训合格证书 [P3.2]: issued by the institution after the required hours and a passed
    completion assessment; verified publicly by its code; revocable with a reason."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="training_certificates"
    )
    institution = models.ForeignKey("catalog.Institution", on_delete=models.PROTECT, related_name="+")
    occupation = models.ForeignKey("catalog.Occupation", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("catalog.Level", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("证书编号", max_length=32, unique=True)
    code = models.CharField("验证码", max_length=32, unique=True)
    theory_hours = models.DecimalField("理论学时", max_digits=6, decimal_places=1)
    practice_hours = models.DecimalField("实操学时", max_digits=6, decimal_places=1)
    issued_on = models.DateField("发证日期")
    # When it was issued, to the second: supervision compares it with the class's end [P2.3].
    # Empty only for certificates recorded before this field existed.
    issued_at = models.DateTimeField("发证时间", null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoke_reason = models.TextField("撤销理由", blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = "培训合格证书"
        verbose_name_plural = "培训合格证书"

    def __str__(self) -> str:
        return self.number

    @property
    def total_hours(self):
        return self.theory_hours + self.practice_hours


class RecordException(models.Model):
    """An exception to the order of the training record [P3.2], granted by the city bureau alone,
    with its reason: the services look for one instead of skipping a check. Shown on the
    certificate's record and in the city's list of exceptions [P2.3]; never on public pages."""

    class Kind(models.TextChoices):
        HOURS_SHORT = "hours_short", "学时不足准予结业"
        EARLY = "early", "提前结业考核与发证"

    REASON_MAX = 500

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="record_exceptions", verbose_name="学员报名"
    )
    kind = models.CharField("例外类型", max_length=16, choices=Kind.choices)
    reason = models.CharField("理由", max_length=REASON_MAX)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="批准人"
    )
    granted_at = models.DateTimeField("批准时间")

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = "培训记录例外"
        verbose_name_plural = "培训记录例外"
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "kind"], name="one_record_exception_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.enrolment}"


class ContinuingEducationCredit(models.Model):
    """Training hours registered as the trainee's continuing-education professional-subject hours
    for the year the training was completed [P4.1]."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="ce_credits")
    certificate = models.OneToOneField(
        TrainingCertificate, on_delete=models.PROTECT, related_name="ce_credit"
    )
    year = models.PositiveSmallIntegerField("年度")
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1)
    subject = models.CharField("科目", max_length=120)
    credited_on = models.DateField("登记日期")
    void = models.BooleanField("已作废", default=False)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "-credited_on"]
        verbose_name = "继续教育学时"
        verbose_name_plural = "继续教育学时"

    def __str__(self) -> str:
        return f"{self.year} {self.subject} {self.hours}学时"


class Event(models.Model):
    """Competitions, forums and seminars announced by the city [P2.2]."""

    class Kind(models.TextChoices):
        COMPETITION = "competition", "技能竞赛"
        FORUM = "forum", "人才论坛"
        SEMINAR = "seminar", "专题研修"

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    title = models.CharField("名称", max_length=120)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    place = models.CharField("地点", max_length=120)
    organiser = models.CharField("主办单位", max_length=120)
    description = models.TextField("简介")
    capacity = models.PositiveIntegerField("报名名额", null=True, blank=True, help_text="留空表示不限名额")
    published = models.BooleanField("已发布", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = "活动"
        verbose_name_plural = "活动"

    def __str__(self) -> str:
        return self.title


class EventRegistration(models.Model):
    """A signed-in trainee's registration of interest in an event [P2.2]; a cancelled registration
    is kept (with when) and may be renewed."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="registrations", verbose_name="活动"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="event_registrations", verbose_name="报名人"
    )
    registered_at = models.DateTimeField("报名时间")
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)

    class Meta:
        ordering = ["event", "registered_at", "id"]
        verbose_name = "活动报名"
        verbose_name_plural = "活动报名"
        constraints = [models.UniqueConstraint(fields=["event", "person"], name="one_registration_per_event")]

    def __str__(self) -> str:
        return f"{self.event} · {self.person.masked_name}"

    @property
    def active(self) -> bool:
        return self.cancelled_at is None
