"""Customer-chat distribution (旺旺分流, R-36): groups, their members, presence, conversations, messages.

Every row carries its tenant (STYLE 13). Who sees which conversation is decided in
``ConversationQuerySet.visible_to`` only (STYLE 1).
"""

import datetime
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from utilities.trees import subtree_filter

NICKNAME_MAX = 30
BODY_MAX = 2000
CAP_MAX = 200
WEIGHT_MAX = 10
SHOP_TIME_ZONE = "Asia/Shanghai"  # working hours are the shop's, whatever the server's zone


class DistributionSettings(models.Model):
    """The main account's distribution settings (主账号分流设置) for its whole shop; one row per tenant,
    the defaults below while it has none."""

    class MainAccountMode(models.TextChoices):
        NEVER = "never", _("Never: buyers wait in the queue")
        FALLBACK = "fallback", _("Only when every member is busy or offline")
        MEMBER = "member", _("Always, as a member with its own reception cap")

    tenant = models.OneToOneField(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.CASCADE,
        related_name="chat_settings",
    )
    main_account_mode = models.CharField(
        verbose_name=_("main account receives conversations"),
        max_length=10,
        choices=MainAccountMode.choices,
        default=MainAccountMode.FALLBACK,
    )
    main_account_cap = models.PositiveSmallIntegerField(
        verbose_name=_("main account's reception cap"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(CAP_MAX)],
        help_text=_("Open conversations the main account holds at most; more buyers wait in the queue."),
    )
    grace_seconds = models.PositiveIntegerField(
        verbose_name=_("grace period when a member's connection is lost (seconds)"),
        default=120,
        validators=[MinValueValidator(0), MaxValueValidator(3600)],
        help_text=_(
            "When a member's workbench stops reporting (browser closed, network gone) for this long, "
            "its open conversations go to others."
        ),
    )
    unassigned_cap = models.PositiveIntegerField(
        verbose_name=_("most conversations waiting at once"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_("Waiting and overflow conversations together; past it, new buyers are asked to come back later."),
    )

    class Meta:
        verbose_name = _("distribution settings")
        verbose_name_plural = _("distribution settings")

    def __str__(self):
        return str(self.tenant)


class ChatGroup(models.Model):
    """A reception group a shop offers buyers (售前 pre-sales, 售后 after-sales …)."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="chat_groups",
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=30,
    )
    description = models.CharField(
        verbose_name=_("description"),
        max_length=200,
        blank=True,
        help_text=_("Buyers read this when they choose a group."),
    )
    is_offered = models.BooleanField(
        verbose_name=_("offered to buyers"),
        default=True,
    )
    reception_cap = models.PositiveSmallIntegerField(
        verbose_name=_("reception cap (接待上限)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(CAP_MAX)],
        help_text=_("Open conversations each member holds at most; a member may have its own."),
    )
    opens_at = models.TimeField(
        verbose_name=_("opens at"),
        null=True,
        blank=True,
        help_text=_("Beijing time. Leave both times empty to serve around the clock."),
    )
    closes_at = models.TimeField(
        verbose_name=_("closes at"),
        null=True,
        blank=True,
        help_text=_("Beijing time; earlier than the opening time means the group works past midnight."),
    )
    created_at = models.DateTimeField(
        verbose_name=_("created at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("chat group")
        verbose_name_plural = _("chat groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"],
                name="chat_group_unique_name",
                violation_error_message=_("A chat group with this name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True, closes_at__isnull=True)
                | Q(opens_at__isnull=False, closes_at__isnull=False),
                name="chat_group_hours_both_or_none",
                violation_error_message=_("Give both the opening and the closing time, or neither."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def has_hours(self):
        return self.opens_at is not None and self.closes_at is not None


class ChatMember(models.Model):
    """A staff account taking part in one group's distribution; disabled members receive nothing."""

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    group = models.ForeignKey(
        ChatGroup,
        verbose_name=_("group"),
        on_delete=models.CASCADE,
        related_name="members",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff account"),
        on_delete=models.CASCADE,
        related_name="chat_memberships",
    )
    is_enabled = models.BooleanField(
        verbose_name=_("enabled for distribution"),
        default=True,
    )
    reception_cap = models.PositiveSmallIntegerField(
        verbose_name=_("own reception cap"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(CAP_MAX)],
        help_text=_("Empty: the group's cap."),
    )
    weight = models.PositiveSmallIntegerField(
        verbose_name=_("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(WEIGHT_MAX)],
        help_text=_("A member of weight 2 receives about twice as many conversations as one of weight 1."),
    )
    created_at = models.DateTimeField(
        verbose_name=_("added at"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("chat group member")
        verbose_name_plural = _("chat group members")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                name="chat_member_unique",
                violation_error_message=_("This person is already a member of the group."),
            ),
        ]
        indexes = [models.Index(fields=["tenant", "user"], name="chat_member_tenant_user")]

    def __str__(self):
        return f"{self.group} · {self.user}"

    @property
    def cap(self):
        """The open conversations this member holds at most in this group (its own cap, else the group's)."""
        return self.reception_cap or self.group.reception_cap


class Presence(models.Model):
    """Whether a staff member is taking conversations. Online counts only while the browser keeps
    reporting (``last_seen_at`` younger than ``CHAT_PRESENCE_TTL_SECONDS``)."""

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        BUSY = "busy", _("Busy (keeps its conversations, receives no new ones)")
        AWAY = "away", _("Away")

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff account"),
        on_delete=models.CASCADE,
        related_name="chat_presence",
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.AWAY,
    )
    last_seen_at = models.DateTimeField(
        verbose_name=_("last seen at"),
        null=True,
        blank=True,
    )
    last_assigned_at = models.DateTimeField(
        verbose_name=_("last conversation received at"),
        null=True,
        blank=True,
        help_text=_("Of members with equally few open conversations, the one idle longest gets the next."),
    )

    class Meta:
        verbose_name = _("chat presence")
        verbose_name_plural = _("chat presences")

    def __str__(self):
        return f"{self.user} · {self.get_status_display()}"

    @staticmethod
    def fresh_since(now=None):
        return (now or timezone.now()) - datetime.timedelta(seconds=settings.CHAT_PRESENCE_TTL_SECONDS)

    def is_online(self, now=None):
        return self.status == self.Status.ONLINE and self.is_reporting(now)

    def is_reporting(self, now=None):
        """Whether the workbench is still open (online or busy, and reporting within the TTL)."""
        return (
            self.status in {self.Status.ONLINE, self.Status.BUSY}
            and self.last_seen_at is not None
            and self.last_seen_at >= self.fresh_since(now)
        )


class ConversationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The conversations ``user`` may see (R-5, R-36): the main account every one of its tenant,
        staff those assigned to them, department admins also those of their department's subtree."""
        if not user.is_authenticated or user.tenant_id is None:
            return self.none()
        rows = self.filter(tenant_id=user.tenant_id)
        if user.is_owner:
            return rows
        if not user.is_staff_account:
            return self.none()
        condition = Q(assignee=user)
        if user.is_department_admin and user.department_id:
            # The subtree's people first (a few dozen ids), then their conversations: PostgreSQL
            # walks the tenant's newest conversations and stops after a page. Joining every
            # conversation to its assignee's department instead read and sorted all of them
            # (100 ms of database CPU at 50,000 conversations).
            people = get_user_model().objects.filter(
                subtree_filter(user.department, prefix="department__"), tenant_id=user.tenant_id
            )
            condition |= Q(assignee_id__in=people.values("pk"))
        return rows.filter(condition)


class Conversation(models.Model):
    """One buyer's conversation with the shop, routed to one member (or the main account)."""

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("conversation status", "Waiting")
        OPEN = "open", pgettext_lazy("conversation status", "Open")
        CLOSED = "closed", pgettext_lazy("conversation status", "Closed")

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="chat_conversations",
    )
    group = models.ForeignKey(
        ChatGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="conversations",
    )
    buyer_nickname = models.CharField(
        verbose_name=_("buyer's nickname"),
        max_length=NICKNAME_MAX,
    )
    buyer_key = models.UUIDField(
        verbose_name=_("buyer key"),
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text=_("Kept in the buyer's signed cookie, so the conversation survives a reload."),
    )
    buyer_ip = models.GenericIPAddressField(
        verbose_name=_("buyer's IP address"),
        null=True,
        blank=True,
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.OPEN,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("served by"),
        on_delete=models.PROTECT,
        related_name="chat_conversations",
        null=True,
        blank=True,
        help_text=_("Empty while the conversation waits in the queue."),
    )
    is_overflow = models.BooleanField(
        verbose_name=_("overflow"),
        default=False,
        help_text=_("No member was available: the main account received it."),
    )
    waiting_since = models.DateTimeField(
        verbose_name=_("waiting since"),
        null=True,
        blank=True,
        help_text=_("While queued or held by the main account as overflow: its place in line (first come, first served)."),
    )
    read_upto = models.BigIntegerField(
        verbose_name=_("read up to message"),
        default=0,
    )
    last_message_id = models.BigIntegerField(
        verbose_name=_("last message"),
        default=0,
    )
    created_at = models.DateTimeField(
        verbose_name=_("started at"),
        default=timezone.now,
    )
    last_message_at = models.DateTimeField(
        verbose_name=_("last message at"),
        default=timezone.now,
    )
    closed_at = models.DateTimeField(
        verbose_name=_("closed at"),
        null=True,
        blank=True,
    )

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "assignee", "status"], name="chat_conv_tenant_assignee"),
            # The history's order (newest first, then id): a search walks it and stops at the capped count.
            # With the server alongside, a department admin's walk needs no row (7.4 -> 6.0 ms searching).
            models.Index(fields=["tenant", "-created_at", "-id"], include=["assignee"], name="chat_conv_tenant_created_id"),
            # The same order for one server's conversations: a chat staff member's search walks only
            # its own newest ones (15.6 -> ~4 ms at 50,000 conversations, 4,838 of them its own).
            models.Index(fields=["tenant", "assignee", "-created_at", "-id"], name="chat_conv_assignee_created"),
            models.Index(fields=["buyer_ip", "created_at"], name="chat_conv_ip_created"),
            models.Index(fields=["tenant", "waiting_since", "id"], name="chat_conv_tenant_waiting"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="queued", assignee__isnull=True)
                | Q(status="open", assignee__isnull=False)
                | Q(status="closed"),
                name="chat_conv_queued_iff_unassigned",
                violation_error_message=_("A conversation waits in the queue exactly when no one serves it."),
            ),
        ]

    def __str__(self):
        return f"{self.buyer_nickname} · {self.group}"

    @property
    def is_open(self):
        """Still going: served, or waiting for someone (the buyer can write in both)."""
        return self.status != self.Status.CLOSED

    @property
    def is_queued(self):
        return self.status == self.Status.QUEUED

    @property
    def served_by_label(self):
        return self.assignee.label if self.assignee_id else ""


class Message(models.Model):
    """One line of a conversation, stored before anyone is told about it."""

    class Kind(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        STAFF = "staff", _("Customer service")
        SYSTEM = "system", _("System")

    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    kind = models.CharField(
        verbose_name=_("from"),
        max_length=10,
        choices=Kind.choices,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    author_label = models.CharField(
        verbose_name=_("author's name"),
        max_length=50,
        blank=True,
    )
    body = models.TextField(
        verbose_name=_("message"),
        max_length=BODY_MAX,
    )
    created_at = models.DateTimeField(
        verbose_name=_("sent at"),
        default=timezone.now,
    )

    class Meta:
        verbose_name = pgettext_lazy("chat", "message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"], name="chat_message_conv_id")]

    def __str__(self):
        return self.body[:50]



class SearchText(models.Model):
    """What the history's search reads of one conversation (issue 27): the buyer's nickname, then
    every buyer and staff message (never system lines), each upper-cased by the database's ``UPPER``
    and joined by ``SEARCH_SEPARATOR``. A search reads this one row instead of probing the
    conversation's messages; PostgreSQL also indexes its character pairs (``chat.search``).
    Kept by ``routing.add_message``, the only writer of messages."""

    conversation = models.OneToOneField(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_text",
    )
    tenant = models.ForeignKey(
        "accounts.Tenant",
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    folded = models.TextField(
        verbose_name=_("searchable text"),
    )

    class Meta:
        verbose_name = _("conversation's searchable text")
        verbose_name_plural = _("conversations' searchable texts")

    def __str__(self):
        return self.folded[:50]


# Between the nickname and the messages in ``SearchText.folded``: a control character that neither a
# nickname nor a message may hold (``utilities.names.unshowable``), so a search term without it can
# match only inside one of them, as it would searching each on its own.
SEARCH_SEPARATOR = "\x1f"

# What system lines say, stored as a code and a name so that each reader gets their own language.
SYSTEM_TEXT = {
    "started": _("%(name)s is serving you."),
    "overflow": _("All customer service staff are busy; the shop's main account %(name)s is serving you."),
    "transferred": _("Transferred to %(name)s."),
    "closed": _("Conversation closed by %(name)s."),
    "queued": _("All customer service staff are busy; you are in the queue and will be served in turn."),
    "after_hours": _("This group is closed now. Your message is kept and answered when it opens."),
    "assigned": _("%(name)s is serving you now."),
    # Reassigned because the previous member can no longer serve: what a buyer reads names the new
    # server; the reason is in the history (and the audit log).
    "reassigned:offline": _("%(name)s is serving you now (the previous member lost the connection)."),
    "reassigned:logout": _("%(name)s is serving you now (the previous member logged out)."),
    "reassigned:away": _("%(name)s is serving you now (the previous member stepped away)."),
    "reassigned:disabled": _("%(name)s is serving you now (the previous member's account was disabled)."),
    "reassigned:offboarded": _("%(name)s is serving you now (the previous member left the shop)."),
    "reassigned:frozen": _("%(name)s is serving you now (the previous member's account was frozen)."),
    "reassigned:muted": _("%(name)s is serving you now (the previous member may not chat until verified)."),
    "reassigned:removed": _("%(name)s is serving you now (the previous member left this group)."),
    "reassigned:window": _("%(name)s is serving you now (the previous member's temporary access ended)."),
    "reassigned:no_right": _("%(name)s is serving you now (the previous member no longer takes conversations)."),
    "reassigned:group_disabled": _("%(name)s is serving you now (the previous member no longer takes this group)."),
    "reassigned:main_account_mode": _("%(name)s is serving you now (the shop's main account no longer takes conversations as a member)."),
    "requeued:offline": _("The previous member lost the connection; you are in the queue and will be served in turn."),
    "requeued:logout": _("The previous member logged out; you are in the queue and will be served in turn."),
    "requeued:away": _("The previous member stepped away; you are in the queue and will be served in turn."),
    "requeued:disabled": _("The previous member's account was disabled; you are in the queue and will be served in turn."),
    "requeued:offboarded": _("The previous member left the shop; you are in the queue and will be served in turn."),
    "requeued:frozen": _("The previous member's account was frozen; you are in the queue and will be served in turn."),
    "requeued:muted": _("The previous member may not chat until verified; you are in the queue and will be served in turn."),
    "requeued:removed": _("The previous member left this group; you are in the queue and will be served in turn."),
    "requeued:window": _("The previous member's temporary access ended; you are in the queue and will be served in turn."),
    "requeued:no_right": _("The previous member no longer takes conversations; you are in the queue and will be served in turn."),
    "requeued:group_disabled": _("The previous member no longer takes this group; you are in the queue and will be served in turn."),
    "requeued:main_account_mode": _("The shop's main account no longer takes conversations as a member; you are in the queue and will be served in turn."),
}


def message_text(message):
    """What a message says to the reader: its body, or a system line in the reader's language."""
    if message.kind == Message.Kind.SYSTEM:
        template = SYSTEM_TEXT.get(message.body)
        if template is None:
            return message.body
        return str(template) % {"name": message.author_label} if "%(name)s" in str(template) else str(template)
    return message.body
