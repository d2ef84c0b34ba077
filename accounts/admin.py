from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from yousync import response_cache


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # A deactivated or deleted account must stop getting kept API answers at once.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            response_cache.learner_changed(obj.pk)

    def delete_model(self, request, obj):
        response_cache.learner_changed(obj.pk)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for user_id in queryset.values_list("pk", flat=True):
            response_cache.learner_changed(user_id)
        super().delete_queryset(request, queryset)
