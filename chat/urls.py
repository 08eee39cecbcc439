from django.urls import path

from . import buyer, views

app_name = "chat"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("presence/", views.presence, name="presence"),
    path("stream/", views.stream, name="stream"),
    path("conversations/<int:pk>/", views.conversation_detail, name="conversation"),
    path("conversations/<int:pk>/messages/", views.conversation_messages, name="messages"),
    path("conversations/<int:pk>/reply/", views.conversation_reply, name="reply"),
    path("conversations/<int:pk>/close/", views.conversation_close, name="close"),
    path("conversations/<int:pk>/transfer/", views.conversation_transfer, name="transfer"),
    path("history/", views.history, name="history"),
    path("history/export.csv", views.history_export, name="history_export"),
    path("distribution/", views.distribution, name="distribution"),
    path("groups/<int:pk>/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/members/", views.member_add, name="member_add"),
    path("members/<int:pk>/enabled/", views.member_toggle, name="member_toggle"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("members/<int:pk>/", views.member_edit, name="member_edit"),
    path("settings/", views.settings_edit, name="settings"),
    path("waiting/", views.waiting, name="waiting"),
    path("live/", views.live, name="live"),
    # The buyer's side: public, one page per shop.
    path("s/<slug:slug>/", buyer.shop, name="shop"),
    path("s/<slug:slug>/send/", buyer.send, name="shop_send"),
    path("s/<slug:slug>/leave/", buyer.leave, name="shop_leave"),
    path("s/<slug:slug>/stream/", buyer.stream, name="shop_stream"),
]
