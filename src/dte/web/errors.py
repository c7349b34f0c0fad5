"""The error pages: 403, 404, 500 and the CSRF failure, in Chinese, in the site's layout (with its
navigation and, signed in, the role menu), each saying what to do next. Wired in ``dte.urls``
(handler403/404/500) and ``settings.CSRF_FAILURE_VIEW``; the lockout page is accounts/locked.html."""

from __future__ import annotations

import logging
import re

from django.http import HttpResponse
from django.shortcuts import render

log = logging.getLogger(__name__)

_CHINESE = re.compile(r"[\u4e00-\u9fff]")

# What each page says when even the layout cannot be drawn (the layout reads the session and the
# signed-in account: the database away, or not yet migrated).
PLAIN = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body><h1>{title}({status})</h1><p>{text}</p><p><a href="/">返回首页</a></p></body></html>'
)
PLAIN_TEXT = {
    403: ("无权访问此页面", "当前账号没有办理这项业务的权限。"),
    404: ("未找到您要访问的页面", "网址可能有误,或页面已被移动、删除。"),
    500: (
        "服务器暂时无法处理您的请求",
        "请稍后再试。问题已记录,如持续出现请联系温州市人力资源和社会保障局。",
    ),
    "csrf": ("页面已过期,提交未完成", "请返回上一页,刷新页面后重新提交。"),
}


def _page(request, template: str, context: dict, status: int, plain) -> HttpResponse:
    try:
        return render(request, template, context, status=status)
    except Exception:  # an error page whatever happens
        log.exception("the error page %s could not be drawn", template)
        title, text = PLAIN_TEXT[plain]
        return HttpResponse(PLAIN.format(title=title, status=status, text=text), status=status)


def message_of(exception) -> str:
    """The exception's own message when it is written for people (in Chinese), else nothing: the
    resolver's and Django's own messages are English and technical."""
    args = getattr(exception, "args", ())
    text = args[0] if args and isinstance(args[0], str) else ""
    return text if _CHINESE.search(text) else ""


def permission_denied(request, exception=None):
    return _page(request, "403.html", {"message": message_of(exception)}, 403, 403)


def page_not_found(request, exception=None):
    context = {"message": message_of(exception), "path": request.path}
    return _page(request, "404.html", context, 404, 404)


def server_error(request):
    return _page(request, "500.html", {}, 500, 500)


def csrf_failure(request, reason: str = "") -> HttpResponse:
    return _page(request, "403_csrf.html", {"reason": reason}, 403, "csrf")
