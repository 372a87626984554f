"""factory_boy factories for every model the API serves."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from aipal.accounts.models import Profile

PASSWORD = "pass-word-123"  # every UserFactory user's password


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    profile = factory.RelatedFactory("tests.factories.ProfileFactory", factory_related_name="user")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N805
        if create:
            obj.save(update_fields=["password"])


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    display_name = factory.Faker("name")
    learning_style = "visual"
    preferences = factory.LazyFunction(lambda: {"theme": "dark"})


# Appended for the ari app (imports kept here so the lines above stay untouched).
from django.utils import timezone  # noqa: E402

from ari.models import DIMENSIONS  # noqa: E402
from ari.services import autonomy_retention  # noqa: E402


class SnapshotFactory(factory.django.DjangoModelFactory):
    """An ARI snapshot; ``autonomy_retention`` follows the dimensions as the service computes it."""

    class Meta:
        model = "ari.ARISnapshot"

    user = factory.SubFactory(UserFactory)
    timestamp = factory.LazyFunction(timezone.now)
    decision_quality = 0.5
    skill_development = 0.5
    ai_reliance = 0.5
    bottleneck_resolution = 0.5
    user_confidence = 0.5
    engagement = 0.5
    autonomy_perception = 0.5
    autonomy_retention = factory.LazyAttribute(lambda s: autonomy_retention({n: getattr(s, n) for n in DIMENSIONS}))
    task_description = ""
    task_complexity = None
