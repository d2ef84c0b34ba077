"""Partners in the admin: plans, partners with a usage page (chart, CSV), API keys (the
secret shown once on the page that creates it; rotate and revoke), jobs and the callback
delivery log."""

import csv
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partners import selectors, services
from partners.models import (
    ApiKey,
    CallbackDelivery,
    DailyUsage,
    Partner,
    PartnerJob,
    Plan,
    Scope,
)
from partners.selectors import UsageRow

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
    _TabularInline = admin.TabularInline[Any, Any]
else:
    _ModelAdmin = admin.ModelAdmin
    _TabularInline = admin.TabularInline

USAGE_DAYS = 30
CSV_COLUMNS = [
    "day",
    "key",
    "key_name",
    "requests",
    "errors",
    "assessments",
    "audio_seconds",
    "latency_p50_ms",
    "latency_p95_ms",
]


@admin.register(Plan)
class PlanAdmin(_ModelAdmin):
    list_display = ["name", "requests_per_minute", "monthly_audio_seconds", "audio_retention_days"]


_KEY_INLINE_FIELDS = ("name", "key_display", "scopes", "expires_at", "last_used_at", "revoked_at")
_DELIVERY_FIELDS = ("attempt", "created_at", "status_code", "delivered", "duration_ms", "error")


class ApiKeyInline(_TabularInline):
    model = ApiKey
    fields = _KEY_INLINE_FIELDS
    readonly_fields = _KEY_INLINE_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("key"))
    def key_display(self, key: ApiKey) -> str:
        return key.display

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(_ModelAdmin):
    list_display = ["name", "plan", "is_active", "contact_email", "usage_link", "created_at"]
    list_filter = ["plan", "is_active"]
    search_fields = ["name", "contact_name", "contact_email"]
    readonly_fields = ["callback_secret", "created_at", "usage_link"]
    fields = [
        "name",
        "contact_name",
        "contact_email",
        "plan",
        "is_active",
        "callback_secret",
        "usage_link",
        "created_at",
    ]
    inlines = [ApiKeyInline]
    actions = ["rotate_callback_secret"]

    @admin.display(description=_("usage"))
    def usage_link(self, partner: Partner) -> str:
        if partner.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:partners_partner_usage", args=[partner.pk]),
            _("Usage: chart and CSV"),
        )

    def save_model(self, request: HttpRequest, obj: Partner, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.partner_create(
            name=obj.name,
            plan=obj.plan,
            contact_name=obj.contact_name,
            contact_email=obj.contact_email,
            is_active=obj.is_active,
        )
        obj.pk, obj.callback_secret, obj.created_at = (
            created.pk,
            created.callback_secret,
            created.created_at,
        )

    @admin.action(description=_("Make a new callback signing secret"))
    def rotate_callback_secret(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        for partner in queryset:
            services.partner_callback_secret_rotate(partner=partner)
        self.message_user(request, _("New secrets made; give them to the partners."))

    def get_urls(self):
        return [
            path(
                "<int:pk>/usage/",
                self.admin_site.admin_view(self.usage_view),
                name="partners_partner_usage",
            ),
            path(
                "<int:pk>/usage.csv",
                self.admin_site.admin_view(self.usage_csv_view),
                name="partners_partner_usage_csv",
            ),
            *super().get_urls(),
        ]

    def _usage(self, request: HttpRequest, pk: int) -> tuple[Partner, date, date, list[UsageRow]]:
        partner = get_object_or_404(Partner, pk=pk)
        if not self.has_view_permission(request, partner):
            raise PermissionDenied
        end = timezone.now().date()
        start = end - timedelta(days=USAGE_DAYS - 1)
        return partner, start, end, selectors.usage_rows(partner=partner, start=start, end=end)

    def usage_view(self, request: HttpRequest, pk: int) -> TemplateResponse:
        partner, start, end, rows = self._usage(request, pk)
        return TemplateResponse(
            request,
            "admin/partners/partner/usage.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "partner": partner,
                "title": _("Usage of %(partner)s") % {"partner": partner.name},
                "start": start,
                "end": end,
                "rows": rows,
                "chart": usage_chart(rows, start=start, days=USAGE_DAYS),
                "quota": selectors.partner_quota(partner=partner),
            },
        )

    def usage_csv_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        partner, start, end, rows = self._usage(request, pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="usage-partner-{partner.pk}-{start}-{end}.csv"'
        )
        writer = csv.DictWriter(response, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row[name] for name in CSV_COLUMNS})  # type: ignore[literal-required]
        return response


def usage_chart(rows: list[UsageRow], *, start: date, days: int) -> dict[str, Any]:
    """Bars of audio seconds per day (all keys), drawn as SVG by the template."""
    totals: dict[date, float] = {}
    for row in rows:
        totals[row["day"]] = totals.get(row["day"], 0.0) + row["audio_seconds"]
    highest = max(totals.values(), default=0.0) or 1.0
    width, height, gap = 16, 120, 4
    bars = []
    for index in range(days):
        day = start + timedelta(days=index)
        value = totals.get(day, 0.0)
        bar_height = round(height * value / highest, 1)
        bars.append(
            {
                "x": index * (width + gap),
                "y": height - bar_height,
                "width": width,
                "height": bar_height,
                "day": day,
                "value": round(value, 1),
            }
        )
    return {"bars": bars, "width": days * (width + gap), "height": height, "max": highest}


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.ASSESS],
    )

    class Meta:
        model = ApiKey
        fields = ["partner", "name", "scopes", "expires_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(_ModelAdmin):
    form = ApiKeyForm
    list_display = [
        "name",
        "key_display",
        "partner",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "state",
    ]
    list_filter = ["partner"]
    search_fields = ["name", "prefix", "partner__name"]
    actions = ["rotate", "revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> list[str]:
        if obj is None:
            return []
        return ["partner", "key_display", "created_at", "last_used_at", "revoked_at", "replaced_by"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["partner", "name", "scopes", "expires_at"]
        return [
            "partner",
            "name",
            "key_display",
            "scopes",
            "expires_at",
            "created_at",
            "last_used_at",
            "revoked_at",
            "replaced_by",
        ]

    @admin.display(description=_("key"))
    def key_display(self, key: ApiKey) -> str:
        return key.display

    @admin.display(description=_("state"))
    def state(self, key: ApiKey) -> str:
        refusal = selectors.api_key_refusal(key)
        return str(
            {
                None: _("active"),
                "key_revoked": _("revoked"),
                "key_expired": _("expired"),
                "partner_inactive": _("partner inactive"),
            }[refusal]
        )

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, secret = services.api_key_create(
            partner=obj.partner,
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            expires_at=obj.expires_at,
        )
        obj.pk, obj.prefix, obj.created_at = key.pk, key.prefix, key.created_at
        request.new_api_keys = [(key, secret)]  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: Any = None):
        # The secret goes on this page only: never into a message, the session or the log.
        return self._show_secrets(request, getattr(request, "new_api_keys", []))

    def _show_secrets(self, request: HttpRequest, keys: list[tuple[ApiKey, str]]):
        return TemplateResponse(
            request,
            "admin/partners/apikey/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Copy the new API key now"),
                "keys": keys,
            },
        )

    @admin.action(description=_("Rotate: a new key; the old one works for the grace period"))
    def rotate(self, request: HttpRequest, queryset: QuerySet[ApiKey]):
        made = [
            services.api_key_rotate(key=key)
            for key in queryset.select_related("partner")
            if selectors.api_key_refusal(key) is None
        ]
        if not made:
            self.message_user(request, _("Only active keys can be rotated."), messages.WARNING)
            return None
        return self._show_secrets(request, made)

    @admin.action(description=_("Revoke: refuse these keys from now on"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            services.api_key_revoke(key=key)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count},
        )


class CallbackDeliveryInline(_TabularInline):
    model = CallbackDelivery
    fields = _DELIVERY_FIELDS
    readonly_fields = _DELIVERY_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(_ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PartnerJob)
class PartnerJobAdmin(ReadOnlyAdmin):
    list_display = [
        "job_id",
        "partner",
        "status",
        "reference",
        "audio_seconds",
        "overall",
        "latency_ms",
        "created_at",
    ]
    list_filter = ["status", "reference", "partner"]
    search_fields = ["job_id", "text", "partner__name"]
    date_hierarchy = "created_at"
    inlines = [CallbackDeliveryInline]


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["job", "attempt", "created_at", "status_code", "delivered", "duration_ms"]
    list_filter = ["delivered", "job__partner"]
    search_fields = ["job__job_id", "url"]


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyAdmin):
    list_display = ["day", "partner", "key", "requests", "errors", "assessments", "audio_seconds"]
    list_filter = ["partner", "day"]
    date_hierarchy = "day"
    actions = ["export_csv"]

    @admin.action(description=_("Export the selected rows as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[DailyUsage]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="partner-usage.csv"'
        writer = csv.writer(response)
        writer.writerow(
            ["day", "partner", "key", "requests", "errors", "assessments", "audio_seconds"]
        )
        for row in queryset.select_related("partner", "key").order_by("day", "partner_id"):
            writer.writerow(
                [
                    row.day,
                    row.partner.name,
                    row.key.display,
                    row.requests,
                    row.errors,
                    row.assessments,
                    round(row.audio_seconds, 3),
                ]
            )
        return response
