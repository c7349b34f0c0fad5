"""Password rules beyond Django's own (AUTH_PASSWORD_VALIDATORS in settings)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from django.contrib.auth.password_validation import (
    UserAttributeSimilarityValidator,
    exceeds_maximum_length_ratio,
)
from django.core.exceptions import ValidationError

LABELS = {"username": "账号名", "display_name": "显示名", "person_name": "本人姓名"}


class PersonalInformationSimilarityValidator(UserAttributeSimilarityValidator):
    """Django's similarity check over the account's own facts: its username (a trainee's is the phone
    number), its display name and the name of the person it belongs to (``user.person.name``).

    A password too similar to one of them (Django's measure, 0.7 by default), or containing one of at
    least four characters whole, is refused with a Chinese message naming which."""

    DEFAULT_USER_ATTRIBUTES = ("username", "display_name", "person_name")
    CONTAINS_MIN = 4

    def __init__(self, user_attributes=DEFAULT_USER_ATTRIBUTES, max_similarity=0.7):
        super().__init__(user_attributes=user_attributes, max_similarity=max_similarity)

    @staticmethod
    def _value(user, attribute: str) -> str | None:
        if attribute == "person_name":
            person = getattr(user, "person", None)
            return getattr(person, "name", None) or None
        value = getattr(user, attribute, None)
        return value if isinstance(value, str) and value else None

    def validate(self, password, user=None):
        if not user:
            return
        password = password.lower()
        for attribute in self.user_attributes:
            value = self._value(user, attribute)
            if not value:
                continue
            value = value.lower()
            too_close = len(value) >= self.CONTAINS_MIN and value in password
            for part in [*re.split(r"\W+", value), value]:
                if too_close:
                    break
                if not part or exceeds_maximum_length_ratio(password, self.max_similarity, part):
                    continue
                too_close = SequenceMatcher(a=password, b=part).quick_ratio() >= self.max_similarity
            if too_close:
                raise ValidationError(
                    "密码与%(label)s过于相似,请另设一个密码",
                    code="password_too_similar",
                    params={"label": LABELS.get(attribute, attribute)},
                )

    def get_help_text(self):
        return "密码不能与账号名、显示名或本人姓名相似"
