"""Benchmark: decide one million synthetic claims over columns, and one claim through the same code.

    .venv/bin/python bench/policy_million.py [N] [--smoke]

N defaults to 1,000,000; ``--smoke`` is N = 10,000 (well under a second; ``make bench-smoke`` and CI run
it so that a bench that no longer runs fails there).

Builds the columns (not timed), then times ``rules.decide`` — every rule's pass/fail, eligibility,
amount, claim deadline, route and provisional flag as columns — on one core. Prints the best of
several runs, the time per rule, peak memory, and the time of one claim (columns only, and the
whole contract path: parse JSON object → decide → render the decision with its messages).
Prints figures only; never asserts on time. Fails (exit status 1) if the decision does not come back
for every claim, if some rule never fails in a mix of 10,000 or more (the mix no longer exercises it),
or if the example does not come back as one decision.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from datetime import date  # noqa: E402

import numpy as np  # noqa: E402

from dte.policy import days  # noqa: E402
from dte.policy.calendar import get_calendar  # noqa: E402
from dte.policy.claims import MONTH_PAD, Claims  # noqa: E402
from dte.policy.compiled import EMPLOYMENT, STATUS_PAD, STATUSES, CompiledPolicy, get_policy  # noqa: E402
from dte.policy.engine import evaluate  # noqa: E402
from dte.policy.rules import RULE_IDS, decide  # noqa: E402

WZ = [330302, 330303, 330304, 330305, 330324, 330326, 330327, 330328, 330329, 330381, 330382, 330383]
EXAMPLE = {
    "id": "c1",
    "claim_date": "2025-03-10",
    "person": {
        "id_number": "330302199005120113",
        "retirement_category": None,
        "retired": False,
        "wenzhou_hukou": True,
        "wenzhou_residence_permit": False,
        "unemployment_registered_in": "330302",
        "employment": {"status": "unemployed", "in_wenzhou": False, "public_institution_staff": False},
        "insurance_months": [],
        "graduate": None,
    },
    "training": {
        "institution": "杭州电子科技大学",
        "occupation": "2-02-10-11",
        "level": "junior",
        "hours": 130,
        "certificate_date": "2024-08-01",
    },
    "level_certificate": {"occupation": "2-02-10-11", "level": "junior", "issued_on": "2024-09-20"},
    "prior_claims": [
        {"occupation": "2-02-10-15", "level": "junior", "claim_date": "2025-01-10", "status": "paid"}
    ],
}


def synthetic(n: int, p: CompiledPolicy, seed: int = 20240201) -> Claims:
    """A realistic mix in which every rule fails somewhere: 24 insurance months each, 0–3 prior claims."""
    rng = np.random.default_rng(seed)
    i32 = np.int32
    d0, d1 = days.to_index(date(2024, 1, 10)), days.to_index(date(2026, 12, 31))
    claim = rng.integers(d0, d1 + 1, n).astype(i32)
    u = rng.random(n)
    age_days = np.where(
        u < 0.02,
        rng.integers(14 * 365, 17 * 365, n),  # around the 16th birthday
        np.where(u < 0.95, rng.integers(18 * 365, 50 * 365, n), rng.integers(50 * 365, 66 * 365, n)),
    )
    birth = (claim - age_days).astype(i32)
    female = rng.random(n) < 0.45
    ret_group = np.where(female, rng.integers(1, 3, n), 0).astype(i32)
    occ_codes = [
        p.occupation_code(c) for c in ("2-02-10-11", "2-02-10-15", "2-02-07-13", "2-02-10-09", "2-02-09-06")
    ]
    lc_occ = np.array(occ_codes, dtype=i32)[rng.choice(5, n, p=[0.7, 0.12, 0.1, 0.05, 0.03])]
    lc_level = rng.choice(3, n, p=[0.6, 0.3, 0.1]).astype(i32)
    lc_issued = (claim - rng.integers(-10, 420, n)).astype(i32)
    lc_issued[rng.random(n) < 0.01] = -1
    no_lc = lc_issued < 0
    lc_occ[no_lc] = -1
    lc_level[no_lc] = -1
    tr_occ = np.where(rng.random(n) < 0.97, lc_occ, lc_occ[::-1]).astype(i32)
    tr_level = np.where(rng.random(n) < 0.97, lc_level, (lc_level + 1) % 3).astype(i32)
    tr_occ[no_lc] = occ_codes[0]
    tr_level[no_lc] = 0
    # a designated institution for the training occupation (95%), else another one
    n_inst = len(p.institutions)
    des = p.designated[0].reshape(n_inst + 1, len(p.occupations))[:n_inst]
    first_des = np.argmax(des, axis=0)
    tr_inst = np.where(rng.random(n) < 0.95, first_des[tr_occ], rng.integers(0, n_inst, n)).astype(i32)
    tr_inst[rng.random(n) < 0.01] = -1
    tr_hours = rng.integers(120, 200, n).astype(i32)
    tr_cert = (np.maximum(lc_issued, claim - 400) - rng.integers(20, 120, n)).astype(i32)
    tr_cert[rng.random(n) < 0.01] = -1

    status = rng.choice(4, n, p=[0.6, 0.12, 0.18, 0.1]).astype(np.int8)
    status = np.array(
        [EMPLOYMENT.index(s) for s in ("employed", "self_employed", "unemployed", "none")], dtype=np.int8
    )[status]
    unemployed = status == EMPLOYMENT.index("unemployed")
    unemp_county = np.where(
        unemployed & (rng.random(n) < 0.9), np.array(WZ, dtype=i32)[rng.integers(0, 12, n)], 0
    ).astype(i32)
    unemp_county[unemployed & (rng.random(n) < 0.05)] = 330106  # registered in Hangzhou

    k = 24
    cm = days.YM[claim].astype(i32)
    gaps = np.where(rng.random((k, n)) < 0.03, 2, 1).astype(i32)
    end = cm - rng.choice(4, n, p=[0.55, 0.3, 0.1, 0.05])  # ends in the claim month … 3 months before
    back = np.cumsum(gaps[::-1], axis=0)[::-1] - gaps[-1]
    ins_month = (end[None, :] - back).astype(np.int16)
    no_ins = unemployed | (rng.random(n) < 0.02)
    ins_month[:, no_ins] = MONTH_PAD
    home = np.array(WZ, dtype=i32)[rng.integers(0, 12, n)]
    moved = rng.random((k, n)) < 0.02
    ins_county = np.where(moved, np.array(WZ, dtype=i32)[rng.integers(0, 12, (k, n))], home[None, :]).astype(
        i32
    )

    pn = rng.choice(4, n, p=[0.55, 0.25, 0.12, 0.08])
    slots = np.arange(3)[:, None] < pn[None, :]
    p_occ = np.where(
        rng.random((3, n)) < 0.1, lc_occ[None, :], np.array(occ_codes, dtype=i32)[rng.integers(0, 5, (3, n))]
    )
    p_level = np.where(rng.random((3, n)) < 0.5, lc_level[None, :], rng.integers(0, 3, (3, n))).astype(i32)
    p_date = (claim[None, :] - rng.integers(1, 500, (3, n))).astype(i32)
    p_status = np.where(slots, rng.integers(0, len(STATUSES), (3, n)), STATUS_PAD).astype(i32)
    p_occ = np.where(slots, p_occ, -1).astype(i32)

    grad = rng.random(n) < 0.08
    return Claims(
        ids=list(range(n)),
        claim=claim,
        birth=birth,
        female=female,
        ret_group=ret_group,
        retired=rng.random(n) < 0.02,
        hukou=rng.random(n) < 0.6,
        permit=rng.random(n) < 0.25,
        unemp_county=unemp_county,
        emp_status=status,
        emp_in_wz=rng.random(n) < 0.93,
        public_staff=rng.random(n) < 0.04,
        ins_month=ins_month,
        ins_county=ins_county,
        grad_wz=grad & (rng.random(n) < 0.7),
        grad_date=np.where(grad, lc_issued + rng.integers(-60, 200, n), -1).astype(i32),
        tr_inst=tr_inst,
        tr_occ=tr_occ,
        tr_level=tr_level,
        tr_hours=tr_hours,
        tr_cert=tr_cert,
        lc_occ=lc_occ,
        lc_level=lc_level,
        lc_issued=lc_issued,
        p_occ=p_occ,
        p_level=p_level,
        p_date=p_date,
        p_status=p_status,
    )


def best_of(fn: object, repeat: int, label: str = "") -> float:
    spent = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        spent.append(time.perf_counter() - t0)
    if label:
        median = sorted(spent)[len(spent) // 2]
        print(f"{label}: median {median * 1000:.1f} ms, worst {max(spent) * 1000:.1f} ms")
    return min(spent)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=1_000_000, help="claims to decide (default 1,000,000)")
    ap.add_argument("--smoke", action="store_true", help="tiny size (well under a second): N = 10,000")
    args = ap.parse_args()
    n = 10_000 if args.smoke else args.n
    policy, cal = get_policy(), get_calendar()
    t0 = time.perf_counter()
    claims = synthetic(n, policy)
    build = time.perf_counter() - t0
    in_mb = sum(v.nbytes for v in vars(claims).values() if isinstance(v, np.ndarray)) / 2**20
    print(f"built {n:,} claims as columns in {build:.2f} s (not timed below); input columns {in_mb:.0f} MiB")

    decide(claims, policy, cal)  # warm up
    t_all = best_of(lambda: decide(claims, policy, cal), 7, f"decide {n:,} claims")
    print(
        f"decide {n:,} claims (11 rules, eligibility, amount, deadline, route, provisional): "
        f"{t_all * 1000:.1f} ms best of 7  ({t_all / n * 1e9:.0f} ns/claim)"
    )

    per_rule: dict[str, float] = {}
    for _ in range(5):
        res = decide(claims, policy, cal, timings=True)
        for k, v in res.timings.items():
            per_rule[k] = min(per_rule.get(k, float("inf")), v)
    print("time per rule (best of 5):")
    for k, v in sorted(per_rule.items(), key=lambda kv: -kv[1]):
        print(f"  {k:20s} {v * 1000:7.2f} ms")
    costliest = max((k for k in per_rule if k != "decision"), key=lambda k: per_rule[k])
    print(f"costliest rule: {costliest} ({per_rule[costliest] * 1000:.1f} ms)")

    res = decide(claims, policy, cal)
    if res.eligible.shape != (n,) or res.amount.shape != (n,):
        raise SystemExit(f"bench: decide returned {res.eligible.shape} decisions for {n:,} claims")
    print("outcome mix:")
    print(
        f"  eligible {int(res.eligible.sum()):,}; amount paid {int(res.amount.sum()):,} yuan; "
        f"provisional {int(res.provisional.sum()):,}; routed {int((res.route > 0).sum()):,}"
    )
    for rid in RULE_IDS:
        print(f"  {rid:20s} fails {int((~res.passed[rid]).sum()):>9,}")
    never = [rid for rid in RULE_IDS if res.passed[rid].all()]
    if never and n >= 10_000:  # below that the rarest failures (about 1 in 5,000) may not occur
        raise SystemExit(
            f"bench: none of {n:,} synthetic claims fails {', '.join(never)}: the mix no longer exercises it"
        )

    tracemalloc.start()
    decide(claims, policy, cal)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory allocated during one decision of {n:,}: {peak / 2**20:.0f} MiB (tracemalloc)")
    print(
        "peak resident memory of the process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )

    one = synthetic(1, policy, seed=7)
    t_one = best_of(lambda: decide(one, policy, cal), 200)
    print(f"one claim, columns → decision columns: {t_one * 1000:.3f} ms (best of 200)")
    t_json = best_of(lambda: evaluate([EXAMPLE], policy, cal), 200)
    print(
        "one claim, JSON object → decision with 11 messages (the example of the issue): "
        f"{t_json * 1000:.3f} ms"
    )
    decisions = evaluate([EXAMPLE], policy, cal)
    if len(decisions) != 1 or decisions[0].get("id") != EXAMPLE["id"] or "eligible" not in decisions[0]:
        raise SystemExit(f"bench: the example did not come back as one decision: {decisions!r}")
    out = decisions[0]
    print(
        "example decision:", json.dumps({k: v for k, v in out.items() if k != "findings"}, ensure_ascii=False)
    )
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs visible, 1 used (OMP/OPENBLAS threads = 1)"
    )


if __name__ == "__main__":
    main()
