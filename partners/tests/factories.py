"""Partners, plans and keys, made through the services (keys need their secret)."""

import factory

from partners import services
from partners.models import Partner, Plan, Scope


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Plan {n}")
    requests_per_minute = 1000
    monthly_audio_seconds = 3600
    audio_retention_days = 0


def make_partner(name: str = "Example School", **plan_fields) -> Partner:
    return services.partner_create(name=name, plan=PlanFactory(**plan_fields))


def make_key(partner: Partner, *scopes: str, **fields):
    """(key row, secret) with the given scopes (default: assess and catalogue:read)."""
    return services.api_key_create(
        partner=partner,
        name=fields.pop("name", "server"),
        scopes=scopes or [Scope.ASSESS, Scope.CATALOGUE_READ],
        **fields,
    )
