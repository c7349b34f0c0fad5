import subprocess
import sys

from dte.cli import COMMANDS, main


def test_dte_help_lists_every_command_with_one_line(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("serve", "migrate", "load-reference", "demo", "audit", "policy", "calendar", "subsidy"):
        assert name in COMMANDS
        assert f"  {name} " in out


def test_python_dash_m_dte_runs_the_same_cli():
    out = subprocess.run([sys.executable, "-m", "dte", "--help"], capture_output=True, text=True, check=True)
    assert "load-reference" in out.stdout


def test_demo_creates_one_account_per_role_and_prints_passwords(db, reference, capsys):
    from django.core.management import call_command

    from dte.accounts.models import Role, User

    call_command("demo", "--if-empty")
    out = capsys.readouterr().out
    assert "Demo-Trainee-2026" in out
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    call_command("demo", "--if-empty")
    assert "nothing created" in capsys.readouterr().out


def test_dte_calendar_reaches_the_engine_without_loading_django():
    script = (
        "import sys; from dte.cli import main; rc = main(['calendar', 'is-workday', '2026-02-14']); "
        "print('django loaded' if 'django' in sys.modules else 'django not loaded'); sys.exit(rc)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    # 2026-02-14 is a Saturday worked in lieu of the Spring Festival holiday (调休).
    assert out.stdout.split() == ["true", "django", "not", "loaded"]
