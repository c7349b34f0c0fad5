"""The claim fixtures of the subsidy tests (a trainee eligible in 鹿城区, claims made through the
services), for the workbench's counts and the queue's order."""

from tests.subsidy.conftest import eligible_trainee, freeze, make_claim, make_trainee, submitted  # noqa: F401
