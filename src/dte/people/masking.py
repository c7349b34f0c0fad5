"""Masking for public display (公示): ID numbers keep the first 6 and last 4 characters; names keep
the surname and, from three characters on, the last character (张*, 张*三, 欧阳*明)."""

from __future__ import annotations


def mask_id_number(id_number: str) -> str:
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_name(name: str) -> str:
    name = name.strip()
    n = len(name)
    if n <= 1:
        return name
    if n == 2:
        return name[0] + "*"
    if n == 3:
        return name[0] + "*" + name[2]
    # Four characters or more: most often a compound surname (欧阳, 司马) plus a given name.
    return name[:2] + "*" * (n - 3) + name[-1]


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_bank_account(account: str) -> str:
    if len(account) <= 8:
        return "*" * len(account)
    return account[:4] + "*" * (len(account) - 8) + account[-4:]


def mask_contact(contact: str) -> str:
    """A phone number as ``mask_phone``; an e-mail address keeps the first character of its local
    part and its domain (z***@example.cn)."""
    local, at, domain = contact.partition("@")
    if not at:
        return mask_phone(contact)
    return (local[:1] + "***" if local else "") + "@" + domain
