"""Application conditions (申报条件) for the level assessment, per level, as published in the
national occupational technical skill standards (policy-facts.md §6, [P3.3]). Every route also
needs proof of the level's training hours, which the training certificate gives.

Pure functions over a declaration: the evaluation body sees which route is met, or why none is."""

from __future__ import annotations

from dataclasses import dataclass

HIGHER = {"bachelor", "master", "doctorate"}


@dataclass(frozen=True)
class Declaration:
    level: str  # junior | intermediate | senior
    education: str  # none | technician_college | associate | bachelor | master | doctorate
    education_related: bool
    graduating_student: bool
    title_held: str  # none | technician | assistant_engineer | engineer
    years_in_occupation: int
    has_training_certificate: bool
    lower_certificate: bool  # holds the level certificate one below, same occupation


@dataclass(frozen=True)
class Outcome:
    met: bool
    route: str  # the route that is met, in Chinese
    reasons: tuple[str, ...]  # why no route is met

    @property
    def summary(self) -> str:
        if self.met:
            return f"符合申报条件:{self.route}(政策事实 §6)[P3.3]"
        return "不符合申报条件:" + ";".join(self.reasons) + "(政策事实 §6)[P3.3]"


def _routes(d: Declaration) -> list[tuple[str, bool]]:
    related = d.education_related
    y = d.years_in_occupation
    if d.level == "junior":
        return [
            ("取得技术员职称", d.title_held in ("technician", "assistant_engineer", "engineer")),
            ("相关专业本科及以上学历(含毕业年度在校生)", related and d.education in HIGHER),
            ("相关专业大专学历,从事本职业满1年", related and d.education == "associate" and y >= 1),
            ("技工院校毕业", d.education == "technician_college"),
        ]
    if d.level == "intermediate":
        return [
            (
                "取得助理工程师职称,从事本职业满2年",
                d.title_held in ("assistant_engineer", "engineer") and y >= 2,
            ),
            (
                "本科或大专学历,取得初级证书,从事本职业满3年",
                d.education in ("bachelor", "associate") and d.lower_certificate and y >= 3,
            ),
            (
                "硕士学历,取得初级证书,从事本职业满1年",
                d.education == "master" and d.lower_certificate and y >= 1,
            ),
            ("相关专业博士学历", related and d.education == "doctorate"),
        ]
    if d.level == "senior":
        return [
            ("取得工程师职称,从事本职业满3年", d.title_held == "engineer" and y >= 3),
            (
                "硕士或本科学历,取得中级证书,从事本职业满4年",
                d.education in ("master", "bachelor") and d.lower_certificate and y >= 4,
            ),
            (
                "博士学历,取得中级证书,从事本职业满1年",
                d.education == "doctorate" and d.lower_certificate and y >= 1,
            ),
        ]
    raise ValueError(f"unknown level {d.level!r}")


def check(d: Declaration) -> Outcome:
    if not d.has_training_certificate:
        return Outcome(False, "", ("未取得有效的培训合格证书(须证明完成该等级培训学时)",))
    routes = _routes(d)
    for name, ok in routes:
        if ok:
            return Outcome(True, name, ())
    return Outcome(False, "", tuple(f"不满足「{name}」" for name, _ in routes))
