"""Demo and synthetic data, in one package above the platform: only the `demo` and `demo_oversight`
management commands, the tests and the benchmarks import it; no app does (import-linter checks).

- ``accounts``: one account per role (the personas of DESIGN.md) and the demo people;
- ``training``: a complete training-to-title path; ``subsidy``: eligibility facts and a fund account;
- ``seed.demo_create``: all three, what `dte demo` runs;
- ``synthetic`` and ``oversight``: years of history at scale for dashboards, reports and supervision
  (`dte demo_oversight`, the benchmarks and the reports tests)."""
