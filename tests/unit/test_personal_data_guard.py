"""The personal-data guard value by value: each kind of number in every spelling, the near misses
that must stay as they are, names known and names by shape, and the masks' forms."""

from __future__ import annotations

import pandas as pd
import pytest

from etl_project.core.personal_data import NameBook, looks_like_person_name, mask_file_label, mask_frame, mask_text
from tests.builders import VALID_IDS

ID = VALID_IDS[1]  # 520425198001010014


@pytest.mark.parametrize(
    "text, shown, kind",
    [
        (ID, "5204**********0014", "id_number"),
        ("520425-19800101-0014", "5204**********0014", "id_number"),
        ("5204 2519 8001 0100 14", "5204**********0014", "id_number"),
        ("５２０４２５１９８００１０１００１４", "5204**********0014", "id_number"),
        ("11010519491231002x", "1101**********002x", "id_number"),
        ("身份证：110105491231002", "身份证：1101*******1002", "id_number"),  # 15 digits
        ("13900000101", "139****0101", "phone"),
        ("139 0000 0101", "139****0101", "phone"),
        ("+86 139-0000-0101", "+86 139****0101", "phone"),
        ("电话 0851-12345678", "电话 0851****5678", "phone"),
        ("（0851）1234567", "0851***4567", "phone"),
        ("6222 0200 0000 0000 000", "6222***********0000", "bank_card"),
    ],
)
def test_each_number_in_each_spelling_is_masked(text, shown, kind):
    masked = mask_text(text)
    assert masked.text == shown and dict(masked.found) == {kind: 1}


@pytest.mark.parametrize(
    "text",
    [
        "520425101001",  # a 12-digit village code
        "5204251990030712345",  # 19 digits, failing Luhn
        "52042519900307123",  # 17 digits
        "12812345678",  # 11 digits without a mobile prefix
        "2019年投入资金2386万余元，覆盖13个村、1200户",
        "ZY2016-002",
        "2019-05-27",
        "4,567.50",
        "5204**********0014",  # already masked
        "大河村",
    ],
)
def test_near_misses_stay_as_they_are(text):
    assert mask_text(text).text == text and not mask_text(text).found


def test_two_numbers_side_by_side_are_two():
    masked = mask_text(f"13900000101 {ID}")
    assert masked.text == "139****0101 5204**********0014" and sum(masked.found.values()) == 2


def test_a_name_beside_a_number_is_masked_by_its_shape():
    assert mask_text(f"户主夏侯秋菊（身份证号{ID}）").text == "户主夏侯**（身份证号5204**********0014）"
    assert mask_text("慕容福贵(13900000501)").text == "慕容**(139****0501)"
    assert mask_text(f"张三_{ID}.xlsx").text == "张*_5204**********0014.xlsx"
    # a place beside a number is not a person
    assert mask_text(f"紫云县 {ID}").text == "紫云县 5204**********0014"


def test_known_names_are_found_in_text_without_any_number():
    book = NameBook(b"key")
    book.add(book.fingerprints(["扎西次仁", "王明"]))
    masked = mask_text("2019年户主扎西次仁与王明一家脱贫", book)
    assert masked.text == "2019年户主扎***与王*一家脱贫" and masked.found["name"] == 2
    assert mask_text("2019年户主扎西次仁一家脱贫", NameBook(b"other key", book.known())).found["name"] == 0


def test_names_by_shape():
    assert looks_like_person_name("王秀英") and looks_like_person_name("欧阳娜娜") and looks_like_person_name("张三")
    for not_a_person in ("王家寨村", "李庄", "经开区财政局", "王", "欧阳", "望谟县扶贫办", "红十字会", "ABC"):
        assert not looks_like_person_name(not_a_person)


def test_a_frame_is_masked_by_value_and_places_are_not_searched_for_names():
    book = NameBook(b"key")
    book.add(book.fingerprints(["石林"]))
    frame = pd.DataFrame({"village_name": ["石林村", "139 0000 0101"], "source_sheet": ["石林", None], "n": [1, 2]})
    masked, found = mask_frame(frame, None, book)
    assert masked["village_name"].tolist() == ["石林村", "139****0101"]
    assert masked["source_sheet"].tolist()[0] == "石*" and dict(found) == {"phone": 1, "name": 1}
    assert frame["village_name"].iloc[1] == "139 0000 0101"  # the caller's frame is left alone


def test_file_labels_are_masked_and_stay_apart():
    one = mask_file_label(f"registry/张三{ID}.xlsx", b"key")
    other = mask_file_label("registry/张三520425198001010022.xlsx", b"key")
    assert one.startswith("registry/张*5204**********0014~") and one.endswith(".xlsx")
    assert mask_file_label("registry/紫云县.xlsx", b"key") == "registry/紫云县.xlsx"
    assert one != other and mask_file_label(one, b"key") == one


def test_a_file_loaded_again_keeps_when_it_first_named_each_person_and_stamps_new_names_now():
    from datetime import datetime

    from etl_project.warehouse.known_persons import with_learnt_at

    first, now = datetime(2026, 1, 5, 2, 0), datetime(2026, 3, 9, 2, 0)
    before = pd.DataFrame({"name_fingerprint": [11, 22, 22], "learnt_at": [first, datetime(2026, 2, 1), first]})
    people = pd.DataFrame({"source_file": "registry/a.csv", "name_fingerprint": [22, 33, 11]})

    stamped = with_learnt_at(people, before, now)
    fresh = with_learnt_at(people, None, now)

    assert stamped["learnt_at"].tolist() == [first, now, first]
    assert fresh["learnt_at"].tolist() == [now, now, now]
    assert stamped["name_fingerprint"].tolist() == [22, 33, 11]
