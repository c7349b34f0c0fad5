"""One evaluation of the claim rules: the claims as columns, the compiled policy, the working-day
calendar, each row's epoch, and what the rules learn on the way (``aux``: a deadline, a retirement
date, a county) for the decision and the messages."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from dte.policy.calendar import WorkCalendar
from dte.policy.claims import Claims
from dte.policy.compiled import CompiledPolicy

Arr = npt.NDArray[Any]


class Run:
    """One evaluation: claims, compiled policy, calendar, each row's epoch, and the rules' findings."""

    def __init__(self, claims: Claims, policy: CompiledPolicy, calendar: WorkCalendar) -> None:
        self.c, self.p, self.cal = claims, policy, calendar
        self.aux: dict[str, Any] = {}
        self.epoch: Arr | None = None
        self.e0 = 0
        if policy.n_epochs > 1 and claims.n:
            e = (claims.claim >= policy.start_idx[1]).astype(np.int32)
            for s in policy.start_idx[2:]:
                e += claims.claim >= s
            lo, hi = int(e.min()), int(e.max())
            if lo == hi:
                self.e0 = lo
            else:
                self.epoch = e

    def pe(self, table: Arr) -> Any:
        """Each row's value of a per-epoch parameter: a scalar when all rows share one epoch or the
        parameter has the same value in every epoch, else a column."""
        if self.epoch is None:
            return table[self.e0]
        if (table == table[0]).all():
            return table[0]
        return np.take(table, self.epoch)

    def pek(self, table: Arr, key: Any) -> Any:
        """Each row's entry ``key`` of a per-epoch table of shape (epochs, width)."""
        if self.epoch is None:
            return np.take(table[self.e0], key)
        if (table == table[0]).all():
            return np.take(table[0], key)
        return np.take(table, self.epoch * table.shape[1] + key)

    def epoch_of(self, i: int) -> int:
        return self.e0 if self.epoch is None else int(self.epoch[i])
