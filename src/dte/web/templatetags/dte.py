from django import template

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
