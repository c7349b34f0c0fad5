from __future__ import annotations

from django.db import models

from dte.people import crypto
from dte.people.masking import mask_id_number, mask_name

ID_CONTEXT = "person.id_number"


class Person(models.Model):
    """A real-name person (实名) [P4.3]: one per resident ID number.

    The ID number is stored encrypted (``id_number_enc``) with a keyed hash (``id_number_hash``) for
    exact lookup and uniqueness; birth date, sex and region are derived from it (GB 11643)."""

    class Sex(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    name = models.CharField("姓名", max_length=60)
    id_number_enc = models.TextField("身份证号(加密)")
    id_number_hash = models.CharField("身份证号(检索哈希)", max_length=64, unique=True)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=6, choices=Sex.choices)
    region_code = models.CharField("户籍地区码", max_length=6)
    phone = models.CharField("手机号", max_length=20, blank=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "实名人员"
        verbose_name_plural = "实名人员"
        indexes = [models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return f"{self.masked_name} {self.masked_id_number}"

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc, context=ID_CONTEXT)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @staticmethod
    def hash_id_number(id_number: str) -> str:
        return crypto.lookup_hash(id_number.upper(), context=ID_CONTEXT)
