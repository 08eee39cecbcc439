"""factory-boy factories; tests build named personas from these in fixtures."""

import factory
from django.utils import timezone

from accounts.models import Tenant, User
from accounts.models.users import staff_username

PASSWORD = "Correct-horse-42"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"shop{n}")
    name = factory.LazyAttribute(lambda o: f"Shop {o.slug}")
    kind = Tenant.Kind.SHOP
    dingtalk_contact_name = "Boss"
    dingtalk_mobile = "13800138000"
    dingtalk_completed_at = factory.LazyFunction(timezone.now)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OwnerFactory(UserFactory):
    tenant = factory.SubFactory(TenantFactory)
    kind = User.Kind.OWNER
    username = factory.Sequence(lambda n: f"owner{n}")
    status = User.Status.ACTIVE


class OperatorFactory(UserFactory):
    kind = User.Kind.OPERATOR
    username = factory.Sequence(lambda n: f"operator{n}")
    is_staff = True
    is_superuser = True


class StaffFactory(UserFactory):
    tenant = factory.SubFactory(TenantFactory)
    kind = User.Kind.STAFF
    account_name = factory.Sequence(lambda n: f"staff{n}")
    username = factory.LazyAttribute(lambda o: staff_username(o.tenant.slug, o.account_name))
    display_name = factory.LazyAttribute(lambda o: o.account_name.title())
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    status = User.Status.ACTIVE
    bound_at = factory.LazyFunction(timezone.now)
