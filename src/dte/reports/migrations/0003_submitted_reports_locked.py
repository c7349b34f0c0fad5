"""[P5.3a] Database-level guard: a submitted year-end report cannot be updated (both databases) or
deleted (PostgreSQL) by any SQL, beside the refusals in the model and the services.

SQLite gets no DELETE trigger: Django's test-database flush deletes rows with DELETE statements,
while on PostgreSQL it uses TRUNCATE, which row triggers do not see. A later migration that rebuilds
this table on SQLite must create the trigger again."""

from django.db import migrations

MESSAGE = "submitted year-end report is locked [P5.3a]"
PG_UP = f"""
CREATE OR REPLACE FUNCTION dte_reports_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'submitted' THEN
        RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reports_submitted_locked BEFORE UPDATE OR DELETE ON reports_countyreport
    FOR EACH ROW EXECUTE FUNCTION dte_reports_locked();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS reports_submitted_locked ON reports_countyreport;
DROP FUNCTION IF EXISTS dte_reports_locked();
"""
SQLITE_UP = f"""
CREATE TRIGGER reports_submitted_locked BEFORE UPDATE ON reports_countyreport
WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS reports_submitted_locked;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_claim_oversight_index")]
    operations = [migrations.RunPython(forwards, backwards)]
