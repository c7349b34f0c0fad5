from django import template

from dte.core import bounds

register = template.Library()


@register.filter
def get(mapping, key):
    """``{{ standards|get:occupation.code }}``: a mapping lookup by a variable key."""
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def yuan(amount):
    """Integer yuan with thousands separators: 3300 → 3,300元."""
    if amount is None:
        return ""
    return f"{int(amount):,}元"


@register.simple_tag
def bound(name: str) -> int:
    """``maxlength="{% bound 'REASON_MAX' %}"``: a limit of dte.core.bounds, so that a form says the
    same limit the service enforces (the service refuses a longer text all the same)."""
    value = getattr(bounds, name, None)
    if not isinstance(value, int) or not name.endswith("_MAX"):
        raise template.TemplateSyntaxError(f"{name} is not a limit of dte.core.bounds")
    return value
