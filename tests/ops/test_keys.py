"""`dte keys rotate` and `dte keys status` (README 密钥轮换): a new data key version, every stored value
re-encrypted with it in batches that a rerun continues, the old versions readable meanwhile, and the
versions carried by a backup with its keys."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from dte.audit.models import AuditEntry
from dte.ops import keys
from dte.ops.backup import backup
from dte.people import crypto
from dte.people.models import ID_CONTEXT, Person
from dte.people.services import find_person
from dte.subsidy import services as claims
from dte.subsidy.models import Claim, Evidence
from tests.conftest import AT
from tests.ops.test_backup import _dte, _instance_env, sqlite_only
from tests.subsidy.conftest import ACCOUNT, PDF, certificate_for


@pytest.fixture(autouse=True)
def keyring(tmp_path, settings):
    """A keyring of this test's own: version 1 only, later versions under tmp_path."""
    settings.DATA_KEYS_DIR = tmp_path / "data_keys"
    settings.DATA_KEYS = {1: settings.DATA_KEY}
    return settings.DATA_KEYS


@pytest.fixture
def data(trainee, make_person):
    """Three people (the trainee among them, one with a phone number) and a claim with a bank account
    and a contact phone, through the services."""
    people = [trainee.person, make_person("李四", seq=31), make_person("王五", seq=32)]
    people[1].phone = PERSON_PHONE
    people[1].save()
    claim = claims.claim_start(actor=trainee, certificate=certificate_for(), at=AT)
    claims.claim_update(
        actor=trainee, claim=claim, bank_kind="sscard", bank_account=ACCOUNT, phone=CLAIM_PHONE, at=AT
    )
    claims.evidence_add(
        actor=trainee, claim=claim, kind="training_certificate", filename="t.pdf", content=PDF, at=AT
    )
    return people, Claim.objects.get(pk=claim.pk)


PERSON_PHONE, CLAIM_PHONE = "13900000001", "13900000002"
COLUMNS = (
    "people.Person.id_number_enc",
    "subsidy.Claim.bank_account_enc",
    "people.Person.phone_enc",
    "subsidy.Claim.phone_enc",
    "subsidy.Evidence.content",
    "subsidy.FactImport.content",
    "accounts.ImportJob.content",
    "supervision.Photo.content",
    "supervision.DocumentRequest.response_content",
)


def _counts(*n: int) -> dict[str, int]:
    return dict(zip(COLUMNS, n, strict=True))


def _tokens() -> list[str]:
    return [
        *Person.objects.values_list("id_number_enc", flat=True),
        *Claim.objects.values_list("bank_account_enc", flat=True),
        *Person.objects.exclude(phone_enc="").values_list("phone_enc", flat=True),
        *Claim.objects.exclude(phone_enc="").values_list("phone_enc", flat=True),
    ]


def _phones_read_back(people, claim) -> None:
    assert Person.objects.get(pk=people[1].pk).phone == PERSON_PHONE
    assert Claim.objects.get(pk=claim.pk).phone == CLAIM_PHONE
    assert bytes(Evidence.objects.get(claim=claim).content) == PDF  # the file, decrypted


def test_rotate_re_encrypts_every_value_which_reads_back_the_same(data):
    people, claim = data
    numbers = {p.pk: p.id_number for p in people}
    assert all(t.startswith("v1:") for t in _tokens())
    out = StringIO()
    call_command("keys", "rotate", "--batch", "2", stdout=out)
    shown = out.getvalue()
    assert "data key v2 added" in shown
    assert "people.Person.id_number_enc: 2/3" in shown and "people.Person.id_number_enc: 3/3" in shown
    assert "subsidy.Claim.bank_account_enc: 1/1" in shown
    assert "rotation to v2 complete: 0 left" in shown
    assert all(t.startswith("v2:") for t in _tokens())
    assert {p.pk: p.id_number for p in Person.objects.all()} == numbers
    assert Claim.objects.get(pk=claim.pk).bank_account == ACCOUNT
    _phones_read_back(people, claim)
    for pk, number in numbers.items():
        assert find_person(id_number=number).pk == pk  # the lookup hash is unchanged
    key_file = django_settings.DATA_KEYS_DIR / "v2"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    entry = AuditEntry.objects.get(action="ops.keys.rotate")
    assert entry.changes == {
        "version": [None, 2],
        "reencrypted": [None, _counts(3, 1, 1, 1, 1, 0, 0, 0, 0)],
        "left": [None, _counts(0, 0, 0, 0, 0, 0, 0, 0, 0)],
    }

    before = _tokens()
    out = StringIO()
    call_command("keys", "rotate", "--resume", stdout=out)
    assert "people.Person.id_number_enc: 0 re-encrypted, 0 left" in out.getvalue()
    assert _tokens() == before  # a rerun changes nothing
    out = StringIO()
    call_command("keys", "status", stdout=out)
    assert "current data key version: v2" in out.getvalue()
    assert "people.Person.id_number_enc: v1: 0, v2: 3" in out.getvalue()
    assert "subsidy.Evidence.content: v1: 0, v2: 1" in out.getvalue()


def test_an_interrupted_rotation_reads_both_versions_meanwhile_and_resumes(data, make_person):
    people, claim = data
    numbers = {p.pk: p.id_number for p in people}
    assert keys.add_version() == 2
    part = keys.rotate(at=AT, batch=2, limit=1)  # one batch, then stopped
    assert part.reencrypted == _counts(2, 0, 0, 0, 0, 0, 0, 0, 0)
    assert part.left == _counts(1, 1, 1, 1, 1, 0, 0, 0, 0)
    assert not part.done
    assert sorted(t[:3] for t in _tokens()) == ["v1:"] * 4 + ["v2:"] * 2
    _phones_read_back(people, claim)
    assert {p.pk: p.id_number for p in Person.objects.all()} == numbers
    assert Claim.objects.get(pk=claim.pk).bank_account == ACCOUNT
    late = make_person("赵六", seq=33)  # written meanwhile: at the new version already
    assert Person.objects.get(pk=late.pk).id_number_enc.startswith("v2:")

    rest = keys.rotate(at=AT, batch=2)
    assert rest.done
    assert rest.reencrypted == _counts(1, 1, 1, 1, 1, 0, 0, 0, 0)
    assert all(t.startswith("v2:") for t in _tokens())
    assert keys.rotate(at=AT).reencrypted == _counts(0, 0, 0, 0, 0, 0, 0, 0, 0)
    _phones_read_back(people, claim)
    assert Claim.objects.get(pk=claim.pk).bank_account == ACCOUNT


def test_a_running_process_picks_up_a_key_added_meanwhile_and_an_unknown_version_is_refused(keyring):
    directory = django_settings.DATA_KEYS_DIR
    directory.mkdir()
    (directory / "v2").write_text("a-key-written-by-another-process")
    token = crypto.encrypt("330302199005120318", context=ID_CONTEXT)
    assert token.startswith("v2:") and crypto.current_version() == 2
    assert crypto.decrypt(token, context=ID_CONTEXT) == "330302199005120318"
    with pytest.raises(ValueError, match="unknown ciphertext version 'v7'"):
        crypto.decrypt("v7:" + token[3:], context=ID_CONTEXT)


def _read(var, pk, **env) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from dte.people.models import Person; "
        f"print(Person.objects.get(pk={pk}).id_number)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=_instance_env(var, **env), capture_output=True, text=True
    )


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_carries_every_key_version_and_restore_installs_them(tmp_path, make_person):
    person = make_person("陈晓明", seq=34)
    number = person.id_number
    keys.add_version()
    keys.rotate(at=AT)
    manifest = backup(target=tmp_path / "keyed", at=AT, with_keys=True)
    assert {"keys/data_key", "keys/data_key_v2"} <= {f["path"] for f in manifest["files"]}
    assert list(manifest["later_data_key_checks"]) == ["2"]
    fresh = tmp_path / "fresh-var"
    done = _dte(fresh, "restore", str(tmp_path / "keyed"))
    assert done.returncode == 0, done.stderr
    assert (fresh / "data_keys" / "v2").read_text() == crypto.keyring()[2]
    assert stat.S_IMODE((fresh / "data_keys" / "v2").stat().st_mode) == 0o600
    read = _read(fresh, person.pk)
    assert read.stdout.strip() == number, read.stderr

    backup(target=tmp_path / "plain", at=AT)
    refused = _dte(
        tmp_path / "other-var", "restore", str(tmp_path / "plain"), DTE_DATA_KEY=django_settings.DATA_KEY
    )
    assert refused.returncode != 0 and "与备份时不同" in refused.stderr  # v2 is missing there
    given = {"DTE_DATA_KEY": django_settings.DATA_KEY, "DTE_DATA_KEY_V2": crypto.keyring()[2]}
    done = _dte(tmp_path / "env-var", "restore", str(tmp_path / "plain"), **given)
    assert done.returncode == 0, done.stderr
    assert _read(tmp_path / "env-var", person.pk, **given).stdout.strip() == number
    assert json.loads((tmp_path / "plain" / "manifest.json").read_text())["keys_included"] is False
