"""Reference catalogues ([A1], [A2.2], [P4.3] 两目录): loaded from the dated policy parameters by
``dte load-reference``; the city bureau maintains them in the admin."""

from __future__ import annotations

from django.db import models


class Occupation(models.Model):
    code = models.CharField("职业编码", max_length=16, unique=True)
    name = models.CharField("职业名称", max_length=60)
    field = models.CharField("技术领域", max_length=30)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = "职业"
        verbose_name_plural = "职业"

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class Level(models.Model):
    code = models.CharField("等级代码", max_length=16, unique=True)  # junior | intermediate | senior
    name = models.CharField("等级", max_length=10)
    rank = models.PositiveSmallIntegerField("级别")
    title = models.CharField("对应职称", max_length=20)

    class Meta:
        ordering = ["rank"]
        verbose_name = "专业技术等级"
        verbose_name_plural = "专业技术等级"

    def __str__(self) -> str:
        return self.name


class County(models.Model):
    code = models.CharField("行政区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=20)

    class Meta:
        ordering = ["code"]
        verbose_name = "县(市、区)"
        verbose_name_plural = "县(市、区)"

    def __str__(self) -> str:
        return self.name


class Institution(models.Model):
    name = models.CharField("培训机构", max_length=60, unique=True)
    position = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "培训机构"
        verbose_name_plural = "培训机构"

    def __str__(self) -> str:
        return self.name


class Designation(models.Model):
    """An institution designated (定点) for one occupation [A1], [A2.3]."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="designations", verbose_name="培训机构"
    )
    occupation = models.ForeignKey(
        Occupation, on_delete=models.PROTECT, related_name="designations", verbose_name="职业"
    )
    since = models.DateField("起始日期")
    reference = models.CharField("依据", max_length=200)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["occupation__position", "position"]
        verbose_name = "定点培训资格"
        verbose_name_plural = "定点培训资格"
        constraints = [models.UniqueConstraint(fields=["institution", "occupation"], name="one_designation")]

    def __str__(self) -> str:
        return f"{self.institution} · {self.occupation}"


class EvaluationBody(models.Model):
    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("评价机构", max_length=80)
    active = models.BooleanField("有效", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "评价机构"
        verbose_name_plural = "评价机构"

    def __str__(self) -> str:
        return self.name
