"""Excel import and export of households (cocreate.orgs.importexport)."""

import io
import re
import zipfile
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from cocreate.accounts.models import User
from cocreate.audit.models import AuditEvent
from cocreate.core.errors import DomainError
from cocreate.orgs import importexport, services
from cocreate.orgs.importexport import COLUMNS, ImportRejected, export_households, import_households
from cocreate.orgs.models import Consent, Household, Kind, OrgLevel, Person, Role

HEADER = [column.header for column in COLUMNS]
UNMASKED_PHONE = re.compile(r"1[3-9]\d{9}")


def row(address, name="", *, node="", occupancy="常住", gender="", birth_year="", relation="", phone="", party=""):
    """One sheet row in the template's column order."""
    return [address, node, occupancy, name, gender, birth_year, relation, phone, party]


def xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header:
        sheet.append(header)
    for values in rows:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, as a person types it: openpyxl would store "=…" as a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "households.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def rejected(node, content: bytes) -> list[str]:
    """The English errors of an import that must be refused."""
    with translation.override("en"), pytest.raises(ImportRejected) as info:
        import_households(actor=None, node=node, upload=upload(content))
    return info.value.errors


def sheet_values(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


def add_household(node, address, *people, occupancy=Household.Occupancy.RESIDENT):
    return services.household_register(actor=None, node=node, address=address, occupancy=occupancy,
                                       members=list(people))


@pytest.fixture
def tree():
    """街道 → two communities → grids → buildings; "1栋" exists in two grids of the first."""
    levels = {kind: OrgLevel.objects.create(kind=kind, name=name, name_en=name_en) for kind, name, name_en in [
        (Kind.STREET, "街道", "Street"), (Kind.COMMUNITY, "社区", "Community"),
        (Kind.GRID, "网格", "Grid"), (Kind.BUILDING, "楼栋", "Building")]}

    def node(parent, kind, name, code=""):
        return services.node_create(actor=None, parent=parent, level=levels[kind], name=name, code=code)

    street = node(None, Kind.STREET, "水果湖街道")
    community = node(street, Kind.COMMUNITY, "幸福社区")
    grid1 = node(community, Kind.GRID, "一网格")
    grid2 = node(community, Kind.GRID, "二网格")
    other = node(street, Kind.COMMUNITY, "和谐社区")
    grid3 = node(other, Kind.GRID, "一网格")
    return SimpleNamespace(
        street=street, community=community, grid1=grid1, grid2=grid2, other=other, grid3=grid3,
        b1=node(grid1, Kind.BUILDING, "1栋", code="XF-01"), b2=node(grid1, Kind.BUILDING, "2栋"),
        b3=node(grid2, Kind.BUILDING, "1栋"),
        b4=node(grid3, Kind.BUILDING, "1栋"), b5=node(grid3, Kind.BUILDING, "2栋"),
    )


@pytest.fixture
def cadre(tree):
    user = User.objects.create(username="cadre", display_name="王主任", is_staff_member=True)
    services.role_grant(actor=None, user=user, node=tree.community, role=Role.CADRE)
    return user


GOOD_ROWS = [
    row("101室", "张伟", node="XF-01", gender="男", birth_year=1970, relation="户主", phone="13812345678", party="是"),
    row("101室", "李娜", node="XF-01", gender="女", birth_year=1972, relation="配偶", party="否"),
    row("101室", "张小明", node="XF-01", gender="男", birth_year=2005, relation="子女"),
    row("102室", "王芳", node="一网格/1栋", gender="女", birth_year=1980, phone="+86 139 1234 5678"),
    row("201室", node="2栋", occupancy="空置"),
    row("社区服务站旁平房", "Li Lei", occupancy="rented", gender="male", relation="tenant", phone=13700001111),
]


# --- Import --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_good_file_imports_households_members_consents_and_one_audit_event(tree, cadre):
    created = import_households(actor=cadre, node=tree.community, upload=upload(xlsx(GOOD_ROWS), "名单.xlsx"))

    assert created == 4
    households = {h.address: h for h in Household.objects.in_subtree(tree.community)}
    assert set(households) == {"101室", "102室", "201室", "社区服务站旁平房"}
    assert households["101室"].node == tree.b1 and households["102室"].node == tree.b1
    assert households["201室"].node == tree.b2 and households["201室"].occupancy == Household.Occupancy.VACANT
    assert households["社区服务站旁平房"].node == tree.community
    assert households["社区服务站旁平房"].occupancy == Household.Occupancy.RENTED

    zhang = households["101室"]
    assert zhang.member_count == 3
    assert [(p.name, p.relation) for p in zhang.members.order_by("id")] == [
        ("张伟", Person.Relation.HEAD), ("李娜", Person.Relation.SPOUSE), ("张小明", Person.Relation.CHILD)]
    head = zhang.members.get(name="张伟")
    assert (head.gender, head.birth_year, head.is_party_member) == (Person.Gender.MALE, 1970, True)
    assert head.phone_national() == "13812345678"
    wang = households["102室"].members.get()
    assert wang.relation == Person.Relation.HEAD  # an empty relation on a first row means head
    assert wang.phone_national() == "13912345678"
    li = households["社区服务站旁平房"].members.get()
    assert (li.relation, li.gender, li.phone_national()) == (Person.Relation.TENANT, Person.Gender.MALE, "13700001111")
    assert households["201室"].members.count() == 0

    consents = Consent.objects.all()
    assert {c.person.name for c in consents} == {"张伟", "王芳", "Li Lei"}  # those with a phone
    assert {(c.channel, c.evidence, c.recorded_by) for c in consents} == {
        (Consent.Channel.PAPER, "excel import", cadre)}

    event = AuditEvent.objects.get(action="household.imported")
    assert event.actor == cadre and event.node_id == tree.community.pk
    assert event.data == {"households": 4, "persons": 5, "filename": "名单.xlsx"}


@pytest.mark.django_db
def test_three_bad_rows_among_good_ones_import_nothing_and_are_all_reported(tree):
    rows = [*GOOD_ROWS]
    rows[1] = row("101室", "李娜", node="XF-01", relation="配偶", phone="12345")  # row 3
    rows[3] = row("102室", "王芳", node="一网格/1栋", gender="X")  # row 5
    rows[4] = row("201室", node="9栋", occupancy="空置")  # row 6

    errors = rejected(tree.community, xlsx(rows))

    assert errors == [
        "Row 3: the mobile number is not valid",
        "Row 5: “X” is not a valid value for “性别 Gender (男/女)”",
        "Row 6: no grid, micro-grid or building “9栋” was found under 幸福社区",
    ]
    assert not Household.objects.exists() and not Person.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["household.imported", "household.registered"]).exists()


NEXT_YEAR = timezone.localdate().year + 1


@pytest.mark.parametrize(("rows", "number", "reason"), [
    ([row("101室", "张伟", node="1栋")], 2, "more than one place under 幸福社区 is called “1栋”"),
    ([row("101室", "张伟", node="二网格")], 2, None),  # a grid may hold households: no error
    ([row("101室", "张伟"), row("102室", "王芳"), row("101室", "张丽", relation="配偶")], 4,
     "the address “101室” already appeared in row 2; put all rows of a household together"),
    ([row("101室", "张伟", birth_year=1899)], 2, "the birth year “1899” is not a year from 1900"),
    ([row("101室", "张伟", birth_year=NEXT_YEAR)], 2, f"the birth year “{NEXT_YEAR}” is not a year"),
    ([row("101室", "张伟", birth_year="七十年代")], 2, "is not a year from 1900"),
    ([row("101室", '=HYPERLINK("http://x","y")')], 2, "starts with “=”, which spreadsheets run as a formula"),
    ([row("@SUM(A1)", "张伟")], 2, "the text in “地址 Address” starts with “@”"),
    ([row("101室", "'+cmd|' /C calc'!A0")], 2, "starts with “+”"),
    ([row("101室", "张伟", relation="配偶"), row("101室", "张丽", relation="户主")], 3,
     "the head (户主) must be on the household's first row"),
    ([row("101室", "张伟"), row("101室", "张丽", relation="户主")], 3,
     "the household already has a head (户主) in row 2"),
    ([row("101室", "张伟"), row("101室", "张丽")], 3, "the column “与户主关系 Relation"),
    ([row("101室", "张伟", occupancy="")], 2, "the column “住户状态 Occupancy (常住/租住/空置/底商)” is empty"),
    ([row("101室", "张伟"), row("101室", "张丽", occupancy="底商", relation="配偶")], 3,
     "the occupancy differs from row 2 of the same household"),
    ([row("101室", "张伟"), row("101室", occupancy="常住")], 3, "the column “姓名 Name” is empty"),
    ([row("101室", phone="13812345678")], 2, "the column “姓名 Name” is empty"),
    ([row("", "张伟")], 2, "the column “地址 Address” is empty"),
    ([row("101室", "张" * 51)], 2, "the text in “姓名 Name” is longer than 50 characters"),
    ([row("101室", "张伟", occupancy="别墅")], 2, "“别墅” is not a valid value for “住户状态"),
    ([row("101室", "#N/A")], 2, "the cell in “姓名 Name” shows the spreadsheet error #N/A"),
    ([row("101室", "张伟", party="maybe")], 2, "“maybe” is not a valid value for “党员 Party member"),
    ([row("101室", "张伟", phone="138****5678")], 2, None),  # a masked number is skipped, not refused
    ([row("幸福小区3栋2单元501", "张三", occupancy="常住", gender="男", birth_year=1968, relation="户主",
          phone="13800138000", party="是")], 2, "this is the template's example row"),
])
@pytest.mark.django_db
def test_row_problems_are_reported_with_row_and_reason(tree, rows, number, reason):
    content = xlsx(rows)
    if reason is None:
        assert import_households(actor=None, node=tree.community, upload=upload(content)) == 1
        return
    errors = rejected(tree.community, content)
    assert any(e.startswith(f"Row {number}: ") and reason in e for e in errors), errors
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_errors_never_quote_a_phone_number_in_full(tree):
    errors = rejected(tree.community, xlsx([
        row("101室", "张伟", gender="13812345678"),
        row("联系人 13912345678 家", "王芳", node="网格 13700001111 号"),
    ]))
    assert "“138****5678” is not a valid value" in errors[0]
    assert "“网格 137****1111 号”" in errors[1]
    assert not any(UNMASKED_PHONE.search(e) for e in errors)


@pytest.mark.django_db
def test_masked_phone_is_stored_as_no_phone(tree):
    import_households(actor=None, node=tree.b1, upload=upload(xlsx([row("101室", "张伟", phone="138****5678")])))
    person = Person.objects.get()
    assert not person.has_phone and not Consent.objects.exists()


@pytest.mark.django_db
def test_empty_node_column_needs_a_node_that_holds_households(tree):
    errors = rejected(tree.street, xlsx([row("101室", "张伟"), row("102室", "王芳", node="幸福社区/一网格/2栋")]))
    assert len(errors) == 1
    assert errors[0].startswith("Row 2: households cannot be registered directly on “水果湖街道” (a 街道)")


@pytest.mark.django_db
def test_nodes_outside_the_subtree_are_not_found(tree):
    errors = rejected(tree.grid2, xlsx([row("101室", "张伟", node="XF-01")]))
    assert errors == ["Row 2: no grid, micro-grid or building “XF-01” was found under 二网格"]


@pytest.mark.django_db
def test_importing_the_same_file_twice_is_refused(tree):
    content = xlsx(GOOD_ROWS)
    import_households(actor=None, node=tree.community, upload=upload(content))
    errors = rejected(tree.community, content)
    assert "Row 2: a household at “101室” is already registered in 1栋" in errors
    assert len(errors) == 4  # one per household
    assert Household.objects.count() == 4


@pytest.mark.django_db
def test_columns_are_found_by_header_in_any_order_with_extra_columns(tree):
    header = ["备注 Note", "Name", "Address", "Relation", "Occupancy", "手机号码"]
    content = xlsx([["x", "张伟", "101室", "head", "resident", "13812345678"]], header=header)
    assert import_households(actor=None, node=tree.b2, upload=upload(content)) == 1
    assert Person.objects.get().phone_national() == "13812345678"


@pytest.mark.parametrize("content", [
    b"PK\x03\x04 this is no zip archive",
    b"name,address\n=cmd|' /C calc'!A0,101\n",
    b"",
])
@pytest.mark.django_db
def test_content_that_is_not_xlsx_is_refused(tree, content):
    assert rejected(tree.community, content) == [
        "The file is not a readable Excel .xlsx workbook. Save it from Excel or WPS as .xlsx and try again."]


@pytest.mark.django_db
def test_a_zip_that_is_not_a_workbook_is_refused(tree):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert rejected(tree.community, buffer.getvalue())[0].startswith("The file is not a readable Excel")


@pytest.mark.django_db
def test_xml_entities_are_refused_before_parsing(tree):
    source = zipfile.ZipFile(io.BytesIO(xlsx([row("101室", "张伟")])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<worksheet" in data
                data = data.replace(b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                                                   b"<worksheet", 1)
            target.writestr(item, data)
    errors = rejected(tree.community, buffer.getvalue())
    assert errors[0].startswith("The file contains XML declarations (DOCTYPE)")


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_by_its_unpacked_size(tree, monkeypatch):
    monkeypatch.setattr(importexport, "MAX_UNZIPPED_BYTES", 1000)
    errors = rejected(tree.community, xlsx([row("101室", "张伟")]))
    assert errors == ["The file unpacks to far more data than a household list holds."]


@pytest.mark.django_db
def test_an_empty_sheet_is_refused(tree):
    assert rejected(tree.community, xlsx([], header=None)) == ["The first sheet is empty."]


@pytest.mark.django_db
def test_a_header_without_rows_is_refused(tree):
    assert rejected(tree.community, xlsx([])) == ["There are no rows to import below the header row."]


@pytest.mark.django_db
def test_a_missing_header_is_refused(tree):
    errors = rejected(tree.community, xlsx([row("101室", "张伟")], header=None))
    assert len(errors) == 1 and errors[0].startswith("The header row was not found.")
    assert "“地址 Address”" in errors[0]


@pytest.mark.django_db
def test_more_rows_than_the_limit_are_refused(tree, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = xlsx([row(f"{n}01室", "张伟") for n in range(1, 5)])
    assert rejected(tree.community, content) == [
        "The file has more than 3 rows. Split it into files of at most 3 rows."]
    settings.IMPORT_MAX_ROWS = 4
    assert import_households(actor=None, node=tree.b1, upload=upload(content)) == 4


@pytest.mark.django_db
def test_rows_beyond_a_wrong_dimension_tag_are_still_read(tree):
    source = zipfile.ZipFile(io.BytesIO(xlsx([row("101室", "张伟"), row("102室", "王芳")])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B1"', source.read(item))
            target.writestr(item, data)
    assert import_households(actor=None, node=tree.b1, upload=upload(buffer.getvalue())) == 2


@pytest.mark.django_db
def test_import_needs_the_import_permission(tree, cadre):
    with pytest.raises(PermissionDenied):
        import_households(actor=cadre, node=tree.other, upload=upload(xlsx(GOOD_ROWS)))


# --- Template ------------------------------------------------------------------------------


def test_template_has_header_example_and_instructions():
    workbook = load_workbook(io.BytesIO(importexport.template_workbook()))
    data, help_sheet = workbook.worksheets
    rows = list(data.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[0][:2] == ("地址 Address", "所在节点编号/名称 Node code/name")
    assert len(rows) == 2 and rows[1][3] == "张三"
    text = " ".join(str(v) for r in help_sheet.iter_rows(values_only=True) for v in r if v)
    assert "138****5678" in text and "ignored without an error" in text and "忽略" in text


@pytest.mark.django_db
def test_the_unchanged_template_is_refused_for_its_example_row(tree):
    errors = rejected(tree.b1, importexport.template_workbook())
    assert errors == ["Row 2: this is the template's example row; delete it before importing"]


# --- Export --------------------------------------------------------------------------------


@pytest.fixture
def residents(tree):
    add_household(tree.b1, "101室",
                  {"name": "李娜", "relation": "spouse", "gender": "F", "birth_year": 1972, "phone": "13912345678"},
                  {"name": "张伟", "relation": "head", "gender": "M", "birth_year": 1970, "phone": "13812345678",
                   "is_party_member": True})
    add_household(tree.b1, "102室", {"name": '=HYPERLINK("http://evil.example","点我")', "relation": "head"},
                  {"name": "-2+3", "relation": "child"})
    add_household(tree.b2, "201室", {"name": "王芳", "relation": "head", "phone": "+8613700001111"},
                  occupancy=Household.Occupancy.RENTED)
    add_household(tree.grid1, "网格空置房", occupancy=Household.Occupancy.VACANT)
    add_household(tree.b3, "301室", {"name": "外人甲", "relation": "head", "phone": "13600002222"})
    return tree


def _unpacked_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


@pytest.mark.django_db
def test_export_has_the_subtree_masked_and_neutralised_with_one_audit_event(residents, cadre):
    content = export_households(actor=cadre, node=residents.grid1)

    rows = sheet_values(content)
    assert "一网格" in rows[0][0] and "导出时间" in rows[0][0]
    assert list(rows[1]) == HEADER
    data = rows[2:]
    # By node path, then id: the grid's own (empty) household first, the head before the spouse.
    assert [r[3] for r in data] == [None, "张伟", "李娜", "'=HYPERLINK(\"http://evil.example\",\"点我\")", "'-2+3",
                                    "王芳"]
    assert [r[1] for r in data] == [None, "1栋", "1栋", "1栋", "1栋", "2栋"]
    assert data[0] == ("网格空置房", None, "空置", None, None, None, None, None, None)
    assert data[1][2:] == ("常住", "张伟", "男", 1970, "户主", "138****5678", "是")
    assert [r[7] for r in data] == [None, "138****5678", "139****5678", None, None, "137****1111"]
    text = _unpacked_text(content)
    assert "外人甲" not in text
    assert not UNMASKED_PHONE.search(text)
    assert "<f>" not in text  # no formula anywhere

    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet["D6"].value.startswith("'=") and sheet["D6"].data_type == "s"

    event = AuditEvent.objects.get(action="household.exported")
    assert event.actor == cadre and event.node_id == residents.grid1.pk
    assert event.data == {"households": 4, "persons": 5}


@pytest.mark.django_db
def test_export_reads_in_chunks_without_losing_anyone(residents, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(importexport, "EXPORT_CHUNK", 2)
    with django_assert_max_num_queries(12):
        content = export_households(actor=None, node=residents.street)
    names = {r[3] for r in sheet_values(content)[2:]}
    assert names == {"张伟", "李娜", "'=HYPERLINK(\"http://evil.example\",\"点我\")", "'-2+3", "王芳", None, "外人甲"}


@pytest.mark.django_db
def test_an_export_longer_than_an_excel_sheet_is_refused(residents, monkeypatch):
    monkeypatch.setattr(importexport, "EXCEL_MAX_ROWS", 7)  # title, header and 5 rows
    assert export_households(actor=None, node=residents.b1)
    with pytest.raises(DomainError):
        export_households(actor=None, node=residents.grid1)  # 6 rows
    assert AuditEvent.objects.filter(action="household.exported").count() == 1


@pytest.mark.django_db
def test_export_needs_the_export_permission(residents):
    worker = User.objects.create(username="worker", is_staff_member=True)
    services.role_grant(actor=None, user=worker, node=residents.grid1, role=Role.GRID_WORKER)
    with pytest.raises(PermissionDenied):
        export_households(actor=worker, node=residents.grid1)
    assert not AuditEvent.objects.filter(action="household.exported").exists()


def _snapshot(root):
    """Households under `root` by node name path, with their members, phones left out."""
    labels = importexport._subtree_labels(root)
    return sorted(
        (labels[h.path], h.address, h.occupancy, sorted(
            (p.name, p.gender, p.birth_year, p.relation, p.is_party_member) for p in h.members.all()))
        for h in Household.objects.in_subtree(root).prefetch_related("members")
    )


@pytest.mark.django_db
def test_round_trip_export_then_import_elsewhere(residents):
    # The formula-looking names cannot come back in; drop that household from the source.
    Household.objects.get(address="102室").members.all().delete()
    Household.objects.filter(address="102室").delete()

    content = export_households(actor=None, node=residents.grid1)
    created = import_households(actor=None, node=residents.grid3, upload=upload(content))

    assert created == 3
    assert _snapshot(residents.grid3) == _snapshot(residents.grid1)
    assert Household.objects.in_subtree(residents.grid3).get(address="网格空置房").node == residents.grid3
    imported = Person.objects.in_subtree(residents.grid3)
    assert imported.count() == 3 and not any(p.has_phone for p in imported)  # masked phones were skipped
    assert not Consent.objects.filter(person__in=imported).exists()


@pytest.mark.django_db
def test_exported_formula_names_are_refused_on_import(residents):
    content = export_households(actor=None, node=residents.b1)
    errors = rejected(residents.b4, content)
    assert [e.split(":")[0] for e in errors] == ["Row 5", "Row 6"]
    assert "starts with “=”" in errors[0] and "starts with “-”" in errors[1]
