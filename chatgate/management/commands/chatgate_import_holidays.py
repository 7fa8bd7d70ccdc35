from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from chatgate import services
from chatgate.models import Schedule


class Command(BaseCommand):
    help = "Add public holidays from the holidays package to a schedule as days closed all day."

    def add_arguments(self, parser) -> None:
        parser.add_argument("schedule", help="The schedule's id or exact name.")
        parser.add_argument("--country", required=True, help="ISO country code, e.g. FR.")
        parser.add_argument("--subdivision", help="State, province or region code, e.g. CA.")
        parser.add_argument(
            "--years", required=True, nargs="+", type=int, help="One or more years."
        )

    def handle(
        self,
        *args,
        schedule: str,
        country: str,
        subdivision: str | None,
        years: list[int],
        **options,
    ):
        lookup = {"pk": int(schedule)} if schedule.isdigit() else {"name": schedule}
        try:
            target = Schedule.objects.get(**lookup)
        except Schedule.DoesNotExist:
            raise CommandError(f"No schedule {schedule!r}.") from None
        try:
            created, skipped = services.import_holidays(
                target, country=country, subdivision=subdivision, years=years
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{target}: {created} holidays added, {skipped} dates already had an exception."
        )
