from __future__ import annotations

from django.db import models

from dte.people import crypto
from dte.people.masking import mask_id_number, mask_name

ID_CONTEXT = "person.id_number"
PHONE_CONTEXT = "person.phone"


def encrypted_phone(prefix: str = "phone") -> property:
    """A phone number kept encrypted at rest: the property reads and writes the plain number, the
    model stores ``<prefix>_enc`` (AES-256-GCM, dte.people.crypto) and ``<prefix>_hash`` (the keyed
    hash, for the exact look-ups of the fraud signals and duplicates). A property, so that it is
    also a model constructor argument (``Person(phone=…)``)."""
    enc, hashed = f"{prefix}_enc", f"{prefix}_hash"

    def get(obj) -> str:
        token = getattr(obj, enc)
        return crypto.decrypt(token, context=PHONE_CONTEXT) if token else ""

    def put(obj, value: str | None) -> None:
        stored = phone_columns(value)
        setattr(obj, enc, stored["phone_enc"])
        setattr(obj, hashed, stored["phone_hash"])

    return property(get, put)


def phone_columns(phone: str | None) -> dict[str, str]:
    """The stored columns of a phone number, for ``QuerySet.update(**phone_columns(…))``."""
    phone = (phone or "").strip()
    return {
        "phone_enc": crypto.encrypt(phone, context=PHONE_CONTEXT) if phone else "",
        "phone_hash": phone_hash(phone),
    }


def phone_hash(phone: str | None) -> str:
    """The keyed look-up hash of a phone number ('' for none)."""
    phone = (phone or "").strip()
    return crypto.lookup_hash(phone, context=PHONE_CONTEXT) if phone else ""


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
    # The phone number, encrypted at rest with its keyed hash for look-ups (``phone`` reads and sets it).
    phone_enc = models.TextField("手机号(加密)", blank=True, default="")
    phone_hash = models.CharField("手机号(检索哈希)", max_length=64, blank=True, default="")
    created_at = models.DateTimeField("登记时间")

    phone = encrypted_phone()

    class Meta:
        verbose_name = "实名人员"
        verbose_name_plural = "实名人员"
        indexes = [models.Index(fields=["phone_hash"], name="people_by_phone")]

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
