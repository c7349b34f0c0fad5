import gc
import os

from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.urls import get_resolver

from dte.web.limits import limit_head
from dte.web.server import exit_with_master

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dte.settings")
# Whatever server loads the platform, the files it creates (uploads, database, keys) are its user's only.
os.umask(0o077)
# Requests beyond the platform's head limits are answered before Django sees them (dte.web.limits).
application = limit_head(get_wsgi_application())
# Import every view now rather than on the first request (so that the freeze below covers them).
get_resolver().url_patterns  # noqa: B018
# A server may load this module once and fork its workers from it: no database connection opened
# while loading may be carried into them.
connections.close_all()
# In a worker of dte serve (granian): end with the master, however the master ends.
exit_with_master()

# Everything loaded so far (Django, the apps, the URL and template machinery) lives as long as the
# process: move it out of the garbage collector's generations, so that the collections requests
# trigger do not walk it again and again (measured: about 0.6 ms of CPU per claim submission).
gc.collect()
gc.freeze()
