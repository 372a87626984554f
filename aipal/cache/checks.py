"""System checks: start-up fails when the invalidation table names an unknown model or field,
or when a key prefix is not a plain word (set by other means than the environment, which
``aipal.settings.base`` checks as it loads)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured

from aipal.cache.conf import valid_key_prefix
from aipal.cache.events import EVENT_TABLE, MODEL_RULES, CacheEvent
from aipal.cache.keys import ALL_SPECS


def _has_attr(model: type, attr: str) -> bool:
    try:
        model._meta.get_field(attr.removesuffix("_id"))
    except FieldDoesNotExist:
        return attr == "id"
    return True


@checks.register()
def check_cache_rules(app_configs=None, **kwargs):  # type: ignore[no-untyped-def]
    """Check every rule of MODEL_RULES and EVENT_TABLE against the models and KeySpecs."""
    errors = []
    params = {spec.object_param for spec in ALL_SPECS if spec.object_param}
    for event in CacheEvent:
        if event not in EVENT_TABLE:
            errors.append(checks.Error(f"Cache event {event} has no row in EVENT_TABLE.", id="aipal_cache.E001"))
    for spec in (s for row in EVENT_TABLE.values() for s in row):
        if spec not in ALL_SPECS:
            errors.append(checks.Error(f"EVENT_TABLE names unknown KeySpec {spec.name}.", id="aipal_cache.E002"))
    for rule in MODEL_RULES:
        try:
            model = apps.get_model(rule.model)
        except LookupError:
            errors.append(checks.Error(f"Cache rule names unknown model {rule.model}.", id="aipal_cache.E003"))
            continue
        for attr in (rule.user_field, *rule.object_ids.values(), *rule.tracked):
            if not _has_attr(model, attr):
                errors.append(
                    checks.Error(f"Cache rule {rule.model} names unknown field {attr}.", id="aipal_cache.E004")
                )
        unknown = set(rule.object_ids) - params
        if unknown:
            errors.append(
                checks.Error(f"Cache rule {rule.model} names unknown key params {unknown}.", id="aipal_cache.E005")
            )
    return errors


def _key_prefixes() -> dict[str, object]:
    """Every setting that names a key prefix of the app, by its name."""
    found: dict[str, object] = {"AIPAL_CACHE['KEY_PREFIX']": settings.AIPAL_CACHE.get("KEY_PREFIX")}
    if hasattr(settings, "CACHE_KEY_PREFIX"):
        found["CACHE_KEY_PREFIX"] = settings.CACHE_KEY_PREFIX
    if "KEY_PREFIX" in settings.CACHES.get("default", {}):
        found["CACHES['default']['KEY_PREFIX']"] = settings.CACHES["default"]["KEY_PREFIX"]
    return found


@checks.register()
def check_key_prefix(app_configs=None, **kwargs):  # type: ignore[no-untyped-def]
    """Check that every key prefix is a plain word (see ``aipal.cache.conf.KEY_PREFIX_PATTERN``)."""
    errors = []
    for name, value in _key_prefixes().items():
        try:
            valid_key_prefix(value, name=name)
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="aipal_cache.E006"))
    return errors
