from django.urls import path

from dte.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("unread/", views.unread, name="unread"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/", views.message, name="message"),
    path("<int:pk>/read/", views.message_read, name="read"),
]
