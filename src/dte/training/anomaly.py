"""What an attendance anomaly is [P2.3]: the kinds the city's list shows, and one anomaly found.
The detection itself is ``rules.anomalies``."""

from __future__ import annotations

from dataclasses import dataclass, field

from dte.training import record

# Each kind, its rule and its threshold are listed in docs/policy.md ("考勤异常类型"). Codes are at
# most 20 characters (supervision.AnomalyAction.kind).
ANOMALY_KINDS = {
    "two_places": "同一时间出现在两处",
    "outside_session": "签到时间不在课次时间内",
    "same_second": "全员同一秒签到",
    "record_time": "预先或事后录入考勤",
    "backfilled_session": "补录课次",
    "bulk_corrections": "大量人工更正考勤",
    "overlapping_classes": "同时参加两个班次的重叠课次",
    "online_overlap": "线上学时与线下出勤重叠",
    "daily_maximum": "单日学时超过上限",
    "online_burst": "线上学习记录异常集中或过快",
    record.CERTIFICATE_ANOMALY: record.CERTIFICATE_ANOMALY_LABEL,
}


@dataclass
class Anomaly:
    kind: str  # a code of ANOMALY_KINDS
    message: str
    clause: str = "[P2.3]"
    attendance_ids: list[int] = field(default_factory=list)
    ref: str = ""  # what the anomaly is about when not (only) its records: "s12" a session, "c3" a class

    @property
    def label(self) -> str:
        return ANOMALY_KINDS[self.kind]

    @property
    def key(self) -> str:
        """Stable identity within its kind: the records' ids, or ``ref``."""
        return self.ref or ",".join(str(i) for i in sorted(self.attendance_ids))
