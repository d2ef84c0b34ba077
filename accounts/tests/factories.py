import factory
from allauth.account.models import EmailAddress

from accounts.models import User

PASSWORD = "practise-every-day-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Learner {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """UserFactory(verified=True) also records the email address as confirmed."""
        self.save()
        if create and extracted:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
