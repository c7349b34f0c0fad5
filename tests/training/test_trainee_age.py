"""Who may train by age [A2.1]: enrolment below 16 is refused (the birth date from the ID number);
rosters show each trainee's age and statutory-retirement status (policy-facts.md §1), and trainees
at or past the statutory retirement age are flagged to the institution and to the city: they cannot
claim the subsidy."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dte.accounts.models import Role
from dte.accounts.services import account_create
from dte.demo.accounts import demo_id_number
from dte.people.models import Person
from dte.training import record, selectors, services
from dte.training.models import Enrolment
from tests.training import helpers as h


def account_born(make_person, name: str, birth: str, seq: int):
    person = make_person(name, birth=birth, seq=seq)
    return account_create(
        username=f"t{seq}",
        password="Correct-Horse-2026",
        role=Role.TRAINEE,
        person=person,
        at=h.AT,
        display_name=name,
    )


def test_a_child_cannot_apply(klass, make_person):
    child = account_born(make_person, "李小宝", "20150601", 401)
    with pytest.raises(ValidationError) as exc:
        h.apply(child, klass)
    assert "报名人未满16周岁(出生日期 2015-06-01,现年9周岁),不能参加培训 [A2.1]" in exc.value.messages
    assert not Enrolment.objects.exists()


def test_the_sixteenth_birthday_itself_is_old_enough(klass, make_person):
    # h.AT is 2025-03-10: born 2009-03-10 turns 16 that day; born 2009-03-11 is still 15.
    assert h.apply(account_born(make_person, "周十六", "20090310", 403), klass).status == "applied"
    with pytest.raises(ValidationError, match="未满16周岁"):
        h.apply(account_born(make_person, "周十五", "20090311", 405), klass)


def test_staff_cannot_enrol_a_child_on_behalf_and_nothing_is_registered(institution_staff, klass):
    number = demo_id_number("330302", "20150601", 407)
    with pytest.raises(ValidationError) as exc:
        services.enrolment_on_behalf(
            actor=institution_staff,
            klass=klass,
            id_number=number,
            name="李小宝",
            category="freelancer",
            job="数据标注",
            at=h.AT,
        )
    assert "未满16周岁" in exc.value.message_dict["id_number"][0]
    assert not Person.objects.filter(name="李小宝").exists()
    assert not Enrolment.objects.exists()


def enrol(staff, klass, name, birth, seq):
    return services.enrolment_on_behalf(
        actor=staff,
        klass=klass,
        id_number=demo_id_number("330302", birth, seq),
        name=name,
        category="in_post",
        employer="温州某公司",
        job="数据工程师",
        at=h.AT,
    )


def test_age_and_statutory_retirement_status_from_the_2024_reform():
    class P:
        def __init__(self, birth, sex):
            self.birth_date, self.sex = birth, sex

    on = date(2025, 3, 10)
    # A man born 1965-01 retires at 60 years and 1 month (2025-02): past it.
    man = record.age_status(P(date(1965, 1, 20), "male"), on=on)
    assert (man.age, man.retired, man.retirement_on) == (60, True, date(2025, 2, 20))
    # A man born 1965-03 retires at 60y1m (2025-04-xx): not yet.
    assert not record.age_status(P(date(1965, 3, 20), "male"), on=on).flagged
    # A woman born 1973-06: past the female-worker age (50), not the female-cadre age (55 + delay):
    # "maybe", since the category is not known at training.
    woman = record.age_status(P(date(1973, 6, 1), "female"), on=on)
    assert (woman.retired, woman.maybe_retired) == (False, True)
    assert "如属原50周岁退休的女职工" in woman.text and "[A2.1]" in woman.text
    # A woman born 1968-01 is past 55: retired whatever her category.
    assert record.age_status(P(date(1968, 1, 5), "female"), on=on).retired


def test_the_roster_flags_a_retiree_to_the_institution_and_the_city(
    institution_staff, city_officer, klass, trainee, client_as
):
    h.admit(institution_staff, klass, trainee)
    retiree = enrol(institution_staff, klass, "王建国", "19580315", 17)
    rows = {r["enrolment"].pk: r for r in selectors.roster(actor=institution_staff, klass=klass, now=h.AT)}
    assert rows[retiree.pk]["age"].retired and rows[retiree.pk]["age"].age == 66
    assert not rows[Enrolment.objects.get(person=trainee.person).pk]["age"].flagged
    staff_page = client_as(institution_staff).get(f"/training/classes/{klass.pk}/manage/").content.decode()
    assert 'id="retirement-flag"' in staff_page and "不能申领培训补贴 [A2.1]" in staff_page
    assert "已达退休年龄" in staff_page and "周岁" in staff_page
    # The city, reviewing the roster, sees the same flag, and its queue says how many.
    services.roster_submit(actor=institution_staff, klass=klass, at=h.AT)
    city_page = client_as(city_officer).get(f"/training/classes/{klass.pk}/manage/").content.decode()
    assert 'id="retirement-flag"' in city_page and "已达退休年龄" in city_page
    queue = client_as(city_officer).get("/training/plans/").content.decode()
    assert "1 名学员已达(或可能已达)法定退休年龄,不能申领补贴 [A2.1]" in queue


def test_a_roster_without_retirees_shows_no_flag(institution_staff, klass, trainee, client_as):
    h.admit(institution_staff, klass, trainee)
    page = client_as(institution_staff).get(f"/training/classes/{klass.pk}/manage/").content.decode()
    assert 'id="retirement-flag"' not in page


def test_a_29_february_birthday_counts_on_28_february_in_a_common_year_as_the_policy_engine_counts_it():
    from datetime import date

    from dte.policy import identity
    from dte.training import record

    assert record.age_on(date(2008, 2, 29), date(2024, 2, 28)) == 15  # 2024 is a leap year
    assert record.age_on(date(2008, 2, 29), date(2025, 2, 28)) == 17
    assert record.age_on(date(2008, 2, 29), date(2025, 2, 28)) == identity.age_on(
        date(2008, 2, 29), date(2025, 2, 28)
    )
    assert record.age_on(date(2008, 2, 29), date(2000, 1, 1)) == 0
