from dte.people.masking import mask_bank_account, mask_contact, mask_id_number, mask_name, mask_phone


def test_an_id_number_shows_only_its_first_six_and_last_four_characters():
    assert mask_id_number("330302199005120113") == "330302********0113"


def test_a_two_character_name_keeps_the_surname():
    assert mask_name("张三") == "张*"


def test_a_three_character_name_keeps_the_first_and_last_character():
    assert mask_name("张晓明") == "张*明"


def test_a_compound_surname_is_kept_whole():
    assert mask_name("欧阳小明") == "欧阳*明"


def test_phone_and_bank_account_are_masked_in_the_middle():
    assert mask_phone("13805770011") == "138****0011"
    assert mask_bank_account("6222021234567890123") == "6222***********0123"


def test_a_contact_is_masked_as_a_phone_number_or_as_an_e_mail_address():
    assert mask_contact("13805770011") == "138****0011"
    assert mask_contact("zhang.san@wenzhou.gov.cn") == "z***@wenzhou.gov.cn"
