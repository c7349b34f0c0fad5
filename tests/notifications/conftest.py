"""The claim fixtures of the subsidy tests, for the reminders and escalations of claims."""

from tests.subsidy.conftest import eligible_trainee, make_claim, submitted  # noqa: F401
