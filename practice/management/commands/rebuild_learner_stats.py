"""Recompute learners' statistics rows from their attempts.

The services keep them current; run this after changing attempts behind their back
(bulk imports, manual SQL) or once after upgrading a database that has attempts.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from practice.learner_stats import learner_stats_rebuild


class Command(BaseCommand):
    help = "Recompute every learner's statistics (or those given by email) from attempts."

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="*", help="Only these learners.")

    def handle(self, *args, emails, **options):
        users = get_user_model().objects.filter(attempts__isnull=False).distinct()
        if emails:
            users = get_user_model().objects.filter(email__in=emails)
        count = 0
        for user_id in users.values_list("pk", flat=True).order_by("pk"):
            learner_stats_rebuild(user_id=user_id)
            count += 1
        self.stdout.write(f"Rebuilt the statistics of {count} learner(s).")
