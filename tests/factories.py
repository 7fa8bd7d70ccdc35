from __future__ import annotations

from datetime import time

import factory
from django.contrib.auth import get_user_model

from chatgate import models


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Schedule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Schedule {n}")
    timezone = "Europe/Paris"

    @factory.post_generation
    def weekly(self, create, extracted, **kwargs):
        """``weekly={0: [("09:00", "17:00")]}`` adds ranges."""
        for weekday, ranges in (extracted or {}).items():
            for opens, closes in ranges:
                models.WeeklyRange.objects.create(
                    schedule=self,
                    weekday=weekday,
                    opens=time.fromisoformat(opens),
                    closes=time.fromisoformat(closes),
                )


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Department

    slug = factory.Sequence(lambda n: f"department-{n}")
    name = factory.Sequence(lambda n: f"Department {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw")


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Agent
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Agent {n}")

    @factory.post_generation
    def departments(self, create, extracted, **kwargs):
        if extracted:
            self.departments.set(extracted)


class FormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Form

    name = factory.Sequence(lambda n: f"Form {n}")
    kind = models.Form.Kind.OFFLINE
    title = "Leave us a message"


class FormFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FormField

    form = factory.SubFactory(FormFactory)
    name = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Field {n}")


class WidgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Widget
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"widget-{n}")
    name = factory.Sequence(lambda n: f"Widget {n}")

    @factory.post_generation
    def departments(self, create, extracted, **kwargs):
        if extracted:
            self.departments.set(extracted)
