"""What `dte demo` creates: the demo accounts and people, then a small realistic data set."""

from __future__ import annotations

from datetime import datetime

from dte.demo import subsidy, training
from dte.demo.accounts import DemoAccount, accounts_create


def demo_create(*, at: datetime) -> list[DemoAccount]:
    """Create the demo people and accounts, a complete training-to-title path [P3.1]–[P4.2], and the
    eligibility facts and fund account of the claim lifecycle [A2.1], [A2.6.3]; a second call adds
    nothing that exists already. Returns the accounts created by this call."""
    created = accounts_create(at=at)
    training.create(at=at)
    subsidy.create(at=at)
    return created
