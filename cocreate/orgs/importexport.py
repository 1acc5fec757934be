"""Households to and from Excel (.xlsx): the import template, an all-or-nothing import, and a
masked export that can be imported again elsewhere.

The sheet has one row per person. Consecutive rows with the same address and node are one
household, whose first row is the head (户主). A row with an address and no person is a
household with nobody registered (a vacant flat), so such households survive a round trip.
Phone numbers leave the system masked only (security.md P-2): a masked number (138****5678)
in an uploaded file is therefore skipped, not refused, and the person is stored without one.
"""

import contextlib
import io
import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cocreate.audit.services import record
from cocreate.core.errors import DomainError
from cocreate.core.masking import mask_phone
from cocreate.core.phones import normalise_phone

from . import services
from .models import PATH_STEP, Consent, Household, OrgUnit, Person
from .permissions import require_perm

logger = logging.getLogger(__name__)

MAX_UNZIPPED_BYTES = 64 * 1024 * 1024  # 5,000 rows unpack to ~2 MB; far more is a zip bomb
MAX_ARCHIVE_MEMBERS = 500
MAX_COLUMNS = 40  # read no further right: one cell in column XFD would widen every row
HEADER_SEARCH_ROWS = 5  # an export has a title row above its header
EXPORT_CHUNK = 1000  # households per query (and per prefetch of their members) in an export
EXCEL_MAX_ROWS = 1_048_576  # rows of one sheet in Excel and WPS
FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets run as a formula (OWASP)
SHEET_TITLE = "住户 Households"
HELP_TITLE = "说明 Instructions"
CONSENT_EVIDENCE = "excel import"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# What data_only returns for a cell whose formula failed: plain text that must not become a name.
EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!",
                "#GETTING_DATA"}
_MASKED_PHONE = re.compile(r"\d{3}\*+\d{4}")  # what mask_phone() writes into an export
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# A DTD is never in an Excel file and is how entity expansion attacks start (billion laughs,
# external entities); refuse it before any XML parser sees it, also in UTF-16.
_DTD_MARKERS = tuple(
    text.encode(encoding) for text in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


class ImportRejected(Exception):
    """The upload was refused as a whole; `errors` says why, one message per problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


class _Invalid(Exception):
    """One cell's value is wrong; `reason` completes "Row N: …"."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class _Errors:
    """Row errors gathered from every check, reported in row order."""

    def __init__(self) -> None:
        self._items: list[tuple[int, str]] = []

    def __bool__(self) -> bool:
        return bool(self._items)

    def add(self, row: int, reason: str) -> None:
        self._items.append((row, reason))

    def messages(self) -> list[str]:
        ordered = sorted(self._items, key=lambda item: item[0])
        return [_("Row %(row)d: %(reason)s") % {"row": row, "reason": reason} for row, reason in ordered]


def _echo(text: str) -> str:
    """A cell quoted back in an error: any mobile number in it masked (security.md P-2), since a
    number typed into the wrong column must not appear in full on the page; and kept short."""
    shown = _MOBILE_IN_TEXT.sub(lambda match: mask_phone(match.group()), text)
    return shown if len(shown) <= 40 else shown[:39] + "…"


# --- Columns -----------------------------------------------------------------------------


class Choices:
    """The spellings a column accepts for each stored value; the first is what exports write."""

    def __init__(self, spellings: dict[object, tuple[str, ...]]) -> None:
        self.labels = {value: names[0] for value, names in spellings.items()}
        self.values = {name.casefold(): value for value, names in spellings.items() for name in names}


OCCUPANCY = Choices({
    Household.Occupancy.RESIDENT: ("常住", "resident", "owner-occupied", "owner occupied"),
    Household.Occupancy.RENTED: ("租住", "rented"),
    Household.Occupancy.VACANT: ("空置", "vacant"),
    Household.Occupancy.SHOP: ("底商", "shop", "ground-floor shop"),
})
GENDER = Choices({Person.Gender.MALE: ("男", "m", "male"), Person.Gender.FEMALE: ("女", "f", "female")})
RELATION = Choices({
    Person.Relation.HEAD: ("户主", "head", "head of household"),
    Person.Relation.SPOUSE: ("配偶", "spouse"),
    Person.Relation.CHILD: ("子女", "child"),
    Person.Relation.PARENT: ("父母", "parent"),
    Person.Relation.GRANDCHILD: ("孙辈", "grandchild"),
    Person.Relation.OTHER: ("其他", "other", "other relative"),
    Person.Relation.TENANT: ("租户", "tenant"),
})
PARTY = Choices({True: ("是", "yes", "y", "true", "1", "党员"), False: ("否", "no", "n", "false", "0", "群众")})


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # bilingual, Chinese first, as the template and the export write it
    zh: str  # an uploaded header is recognised by its Chinese start …
    en: tuple[str, ...]  # … or its English one, so columns may come in any order
    width: int
    parse: Callable[["Column", str], object]  # called with non-empty text only
    max_length: int = 0
    choices: Choices | None = None


def _formula_char(text: str) -> str:
    # A leading apostrophe is how an export neutralises a formula; look behind it too, so a
    # neutralised value cannot come back in through an import.
    bare = text[1:] if text.startswith("'") else text
    return bare[0] if bare.startswith(FORMULA_CHARS) else ""


def _free_text(column: Column, text: str) -> str:
    if char := _formula_char(text):
        raise _Invalid(_("the text in “%(column)s” starts with “%(char)s”, which spreadsheets run as a formula; "
                         "remove that character") % {"column": column.header, "char": char})
    if len(text) > column.max_length:
        raise _Invalid(_("the text in “%(column)s” is longer than %(max)d characters")
                       % {"column": column.header, "max": column.max_length})
    return text


def _choice(column: Column, text: str) -> object:
    try:
        return column.choices.values[text.casefold()]
    except KeyError:
        raise _Invalid(_("“%(value)s” is not a valid value for “%(column)s”")
                       % {"value": _echo(text), "column": column.header}) from None


def _birth_year(column: Column, text: str) -> int:
    this_year = timezone.localdate().year
    if not (len(text) == 4 and text.isdecimal() and 1900 <= int(text) <= this_year):
        raise _Invalid(_("the birth year “%(value)s” is not a year from 1900 to %(year)d")
                       % {"value": _echo(text), "year": this_year})
    return int(text)


def _phone(column: Column, text: str) -> str:
    if _MASKED_PHONE.fullmatch(text.replace(" ", "")):
        return ""  # masked by an export: the real number cannot be had from it (see the instructions)
    try:
        return normalise_phone(text)
    except ValidationError:
        raise _Invalid(_("the mobile number is not valid")) from None


COLUMNS = (
    Column("address", "地址 Address", "地址", ("address",), 30, _free_text,
           max_length=Household._meta.get_field("address").max_length),
    Column("node", "所在节点编号/名称 Node code/name", "所在节点", ("node",), 22, _free_text, max_length=255),
    Column("occupancy", "住户状态 Occupancy (常住/租住/空置/底商)", "住户状态", ("occupancy",), 16, _choice,
           choices=OCCUPANCY),
    Column("name", "姓名 Name", "姓名", ("name",), 12, _free_text,
           max_length=Person._meta.get_field("name").max_length),
    Column("gender", "性别 Gender (男/女)", "性别", ("gender",), 10, _choice, choices=GENDER),
    Column("birth_year", "出生年份 Birth year", "出生年份", ("birth year",), 10, _birth_year),
    Column("relation", "与户主关系 Relation (户主/配偶/子女/父母/孙辈/其他/租户)", "与户主关系", ("relation",), 18,
           _choice, choices=RELATION),
    Column("phone", "手机 Mobile", "手机", ("mobile", "phone"), 14, _phone),
    Column("party", "党员 Party member (是/否)", "党员", ("party member",), 10, _choice, choices=PARTY),
)
COLUMN = {column.key: column for column in COLUMNS}
REQUIRED_COLUMNS = {"address", "occupancy", "name", "relation"}
PERSON_COLUMNS = ("name", "gender", "birth_year", "relation", "phone", "party")
PERSON_FIELDS = ("household", "name", "gender", "birth_year", "relation", "phone_enc", "is_party_member")
EXAMPLE = {"address": "幸福小区3栋2单元501", "node": "", "occupancy": "常住", "name": "张三", "gender": "男",
           "birth_year": 1968, "relation": "户主", "phone": "13800138000", "party": "是"}


def _ordered(values: dict) -> list:
    """A row's cells in column order, so no caller depends on the position of a column. Empty
    cells are None, which openpyxl leaves out of the file (a third of an export's work)."""
    cells = (values.get(column.key) for column in COLUMNS)
    return [None if cell == "" else cell for cell in cells]


def _text(value) -> str:
    """A cell as trimmed text; Excel stores whole numbers (years, phones) as floats."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().strip("\u200b\ufeff").strip()


# --- The template --------------------------------------------------------------------------

_HELP = (
    ("每行填写一个人。同一户的人连续排列，每行都填写相同的地址和所在节点。",
     "One row per person. Put the people of a household on consecutive rows and repeat the same "
     "address and node on each of them."),
    ("每户第一行是户主（与户主关系填“户主”）；第一行的关系留空也视为户主。每户最多一名户主。",
     "A household's first row is its head (relation 户主 / head); an empty relation on the first row also "
     "means head. A household has at most one head."),
    ("没有登记人员的户（如空置房）：只填地址、所在节点和住户状态，姓名等留空，一户一行。",
     "A household with nobody registered (e.g. a vacant flat): one row with the address, node and "
     "occupancy, and the person columns left empty."),
    ("所在节点：填网格、微网格或楼栋的编号或名称，也可填从导入节点往下的名称路径，如“一网格/3栋”。"
     "留空表示登记在导入的节点上。",
     "Node: the code or name of the grid, micro-grid or building, or its name path below the node you "
     "import into, e.g. 一网格/3栋. Leave it empty to register the household at the node you import into."),
    ("住户状态：常住、租住、空置、底商；性别：男、女；与户主关系：户主、配偶、子女、父母、孙辈、其他、租户；"
     "党员：是、否。也可以填英文。",
     "Accepted values: occupancy resident/rented/vacant/shop, gender male/female, relation "
     "head/spouse/child/parent/grandchild/other/tenant, Party member yes/no; Chinese as listed in the headers."),
    ("出生年份：四位数字，从 1900 年到今年，可留空。",
     "Birth year: four digits, from 1900 to this year; optional."),
    ("手机：11 位大陆手机号码，可留空。导出文件中的手机号已打码（如 138****5678）；导入时打码的号码会被忽略，"
     "不算错误，该成员不保存手机号。",
     "Mobile: an 11-digit mainland number; optional. Exported files show masked numbers (e.g. 138****5678): "
     "on import a masked number is ignored without an error, and that person is saved without a number."),
    ("不要合并单元格；单元格不要以 = + - @ 开头（表格软件会当作公式）。",
     "Do not merge cells, and do not start a cell with = + - or @ (spreadsheets run it as a formula)."),
    ("只导入已签署纸质告知同意书的住户：导入会把他们的同意记录为“纸质签字”。",
     "Import only residents who signed the paper consent slip: the import records their consent as "
     "a signed paper slip."),
    ("第 2 行是示例，导入前请删除。已登记过的地址不能重复导入。",
     "Row 2 is an example: delete it before importing. An address already registered at its node "
     "cannot be imported again."),
    ("每个文件最多 {max_rows} 行。只要有一行出错，整个文件都不会导入：请按提示改正后重新上传。",
     "At most {max_rows} rows per file. If any row has an error nothing is imported: fix the "
     "rows listed and upload the file again."),
)


def _set_widths(sheet) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width


def _add_dropdowns(sheet) -> None:
    """Offer the Chinese values as lists; other spellings stay allowed, so no error box."""
    last_row = settings.IMPORT_MAX_ROWS + 1
    for index, column in enumerate(COLUMNS, start=1):
        if column.choices is not None:
            letter = get_column_letter(index)
            options = ",".join(column.choices.labels.values())
            validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)


def _style_template(sheet) -> None:
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = header_font, header_fill
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")  # grey: the example row, to be deleted
    # Stored as text, so Excel neither shows 1.38E+10 nor drops a leading +86.
    phone_letter = get_column_letter(list(COLUMN).index("phone") + 1)
    sheet[f"{phone_letter}2"].number_format = "@"
    sheet.freeze_panes = "A2"
    _set_widths(sheet)
    _add_dropdowns(sheet)


def _add_instructions(sheet) -> None:
    sheet.append(["说明", "Instructions"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for chinese, english in _HELP:
        sheet.append([text.format(max_rows=settings.IMPORT_MAX_ROWS) for text in (chinese, english)])
    sheet.column_dimensions["A"].width = 70
    sheet.column_dimensions["B"].width = 90


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook() -> bytes:
    """The import template: one header row and one example row, and a sheet of instructions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append([column.header for column in COLUMNS])
    sheet.append(_ordered(EXAMPLE))
    _style_template(sheet)
    _add_instructions(workbook.create_sheet(HELP_TITLE))
    return _save(workbook)


# --- Reading an upload ---------------------------------------------------------------------


def _read_upload(upload) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)  # ImportForm has read the first bytes to check the signature
    data = upload.read(settings.IMPORT_MAX_BYTES + 1)
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportRejected([_("The file is larger than %(size)d MB.") % {"size": settings.IMPORT_MAX_BYTES // 2**20}])
    return data


def _has_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(64 * 1024):
            window = tail + chunk
            if any(marker in window for marker in _DTD_MARKERS):
                return True
            tail = window[-32:]  # a marker may straddle two chunks
    return False


def _check_archive(data: bytes) -> None:
    """Refuse what no spreadsheet program writes before openpyxl parses it. The declared sizes
    can be trusted: zipfile stops reading a member at its declared size and checks its CRC."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_ARCHIVE_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
            raise ImportRejected([_("The file unpacks to far more data than a household list holds.")])
        if any(_has_dtd(archive, member) for member in members):
            raise ImportRejected([_("The file contains XML declarations (DOCTYPE) that Excel never writes. "
                                    "Save it again from Excel or WPS as .xlsx.")])


def _nonblank_rows(workbook) -> list[tuple[int, tuple]]:
    """(Excel row number, values) of the first sheet's non-blank rows, stopping early once
    there are more than an import may hold."""
    if not workbook.worksheets:
        raise ImportRejected([_("The first sheet is empty.")])
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # a wrong <dimension> in the file would otherwise cut rows off silently
    limit = settings.IMPORT_MAX_ROWS + HEADER_SEARCH_ROWS
    rows = []
    for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
        if any(_text(value) for value in values):
            rows.append((number, values))
            if len(rows) > limit:
                break
    if not rows:
        raise ImportRejected([_("The first sheet is empty.")])
    return rows


def _load_rows(upload) -> list[tuple[int, tuple]]:
    data = _read_upload(upload)
    try:
        _check_archive(data)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            return _nonblank_rows(workbook)
        finally:
            workbook.close()
    except ImportRejected:
        raise
    except Exception as exc:  # a damaged or hostile file can fail in many ways; all get one answer
        # One line, no traceback: hostile uploads must not be able to flood the log.
        logger.info("Household import: unreadable file refused (%s: %s)", type(exc).__name__, str(exc)[:200])
        raise ImportRejected([_("The file is not a readable Excel .xlsx workbook. "
                                "Save it from Excel or WPS as .xlsx and try again.")]) from exc


def _match_column(text: str) -> Column | None:
    first, _space, rest = text.partition(" ")
    english = [candidate.casefold() for candidate in (text, rest) if candidate]
    return next((c for c in COLUMNS if first.startswith(c.zh) or any(e.startswith(c.en) for e in english)), None)


def _header_positions(values: tuple) -> dict[str, int]:
    positions: dict[str, int] = {}
    for position, value in enumerate(values):
        column = _match_column(_text(value))
        if column is not None:
            positions.setdefault(column.key, position)
    return positions


def _find_header(rows: list[tuple[int, tuple]]) -> tuple[int, dict[str, int]]:
    for index, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        positions = _header_positions(values)
        if positions.keys() >= REQUIRED_COLUMNS:
            return index, positions
    needed = ", ".join(f"“{COLUMN[key].header}”" for key in COLUMN if key in REQUIRED_COLUMNS)
    raise ImportRejected([_("The header row was not found. Start the first sheet with the template's header "
                            "row; it needs at least the columns %(columns)s.") % {"columns": needed}])


# --- Validating rows -----------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    texts: dict[str, str]  # every column as text, "" when empty or absent
    values: dict[str, object]  # parsed values; None when empty or invalid
    member: dict | None  # the person for household_register; None when the row has no person
    node: OrgUnit | None = None


@dataclass
class _Draft:
    """A household to register: consecutive rows with one address at one node."""

    key: tuple
    rows: list[_Row] = field(default_factory=list)

    @property
    def node(self) -> OrgUnit | None:
        return self.rows[0].node

    @property
    def address(self) -> str:
        return self.rows[0].values["address"]

    @property
    def members(self) -> list[dict]:
        return [row.member for row in self.rows if row.member]


def _column_empty(key: str) -> str:
    return _("the column “%(column)s” is empty") % {"column": COLUMN[key].header}


def _parse_cell(column: Column, text: str) -> object:
    if not text:
        return None
    if text.upper() in EXCEL_ERRORS:
        raise _Invalid(_("the cell in “%(column)s” shows the spreadsheet error %(value)s")
                       % {"column": column.header, "value": text})
    return column.parse(column, text)


def _parse_values(number: int, texts: dict[str, str], errors: _Errors) -> dict[str, object]:
    values: dict[str, object] = {}
    for column in COLUMNS:
        try:
            values[column.key] = _parse_cell(column, texts[column.key])
        except _Invalid as invalid:
            errors.add(number, invalid.reason)
            values[column.key] = None
    return values


def _member(values: dict[str, object]) -> dict:
    return {
        "name": values["name"] or "",
        "gender": values["gender"] or "",
        "birth_year": values["birth_year"],
        "relation": values["relation"],  # None until the household check fills in the head
        "phone": values["phone"] or "",
        "is_party_member": bool(values["party"]),
    }


def _parse_row(number: int, cells: tuple, positions: dict[str, int], errors: _Errors) -> _Row:
    texts = {c.key: _text(cells[positions[c.key]]) if c.key in positions else "" for c in COLUMNS}
    if texts == {key: _text(value) for key, value in EXAMPLE.items()}:
        errors.add(number, _("this is the template's example row; delete it before importing"))
    values = _parse_values(number, texts, errors)
    if not texts["address"]:
        errors.add(number, _column_empty("address"))
    has_person = any(texts[key] for key in PERSON_COLUMNS)
    if has_person and not texts["name"]:
        errors.add(number, _column_empty("name"))
    return _Row(number, texts, values, _member(values) if has_person else None)


class _NodeFinder:
    """Finds a row's node below `root` by code, by name path ("一网格/3栋") or by name, with
    one query for the whole file."""

    def __init__(self, root: OrgUnit, labels: set[str]) -> None:
        self.root = root
        parts = {part for label in labels for part in label.split("/")}
        nodes = list(OrgUnit.objects.in_subtree(root).filter(Q(code__in=labels) | Q(name__in=parts))
                     .select_related("level"))
        names = {node.path: node.name for node in nodes}
        self.indexes = [
            _index(nodes, lambda node: node.code),
            _index(nodes, lambda node: _relative_label(node.path, root.path, names)),
            _index(nodes, lambda node: node.name),
        ]

    def find(self, label: str) -> OrgUnit:
        if not label:
            return self._household_node(self.root, self.root.name)
        for index in self.indexes:
            hits = index.get(label, [])
            if len(hits) > 1:
                raise _Invalid(_("more than one place under %(node)s is called “%(value)s”; use its code or "
                                 "its name path, e.g. 一网格/3栋") % {"node": self.root.name, "value": _echo(label)})
            if hits:
                return self._household_node(hits[0], label)
        raise _Invalid(_("no grid, micro-grid or building “%(value)s” was found under %(node)s")
                       % {"value": _echo(label), "node": self.root.name})

    def _household_node(self, node: OrgUnit, label: str) -> OrgUnit:
        if node.kind not in services.HOUSEHOLD_KINDS:
            raise _Invalid(_("households cannot be registered directly on “%(value)s” (a %(level)s); enter its "
                             "grid, micro-grid or building in “%(column)s”")
                           % {"value": _echo(label), "level": node.level.name, "column": COLUMN["node"].header})
        return node


def _index(nodes: list[OrgUnit], key: Callable[[OrgUnit], str | None]) -> dict[str, list[OrgUnit]]:
    index = defaultdict(list)
    for node in nodes:
        if value := key(node):
            index[value].append(node)
    return index


def _relative_label(path: str, root_path: str, names: dict[str, str]) -> str | None:
    """The names from below the root down to the node, e.g. 一网格/3栋 ("" for the root itself);
    None when an ancestor's name is not in `names`."""
    parts = [names.get(path[:end]) for end in range(len(root_path) + PATH_STEP, len(path) + 1, PATH_STEP)]
    return None if None in parts else "/".join(parts)


def _resolve_nodes(rows: list[_Row], root: OrgUnit, errors: _Errors) -> None:
    finder = _NodeFinder(root, {row.texts["node"] for row in rows if row.texts["node"]})
    for row in rows:
        if row.texts["node"] and row.values["node"] is None:
            continue  # the node text itself was refused (a formula, too long)
        try:
            row.node = finder.find(row.texts["node"])
        except _Invalid as invalid:
            errors.add(row.number, invalid.reason)


def _group(rows: list[_Row], errors: _Errors) -> list[_Draft]:
    """Consecutive rows with one address at one node are a household; the same household
    again further down is refused, since it would be registered twice."""
    drafts: list[_Draft] = []
    first_row: dict[tuple, int] = {}
    for row in rows:
        if row.values["address"] is None:
            continue  # already reported
        key = (row.node.pk if row.node else row.texts["node"], row.values["address"])
        if drafts and drafts[-1].key == key:
            drafts[-1].rows.append(row)
        elif key in first_row:
            errors.add(row.number, _("the address “%(address)s” already appeared in row %(row)d; put all rows "
                                     "of a household together") % {"address": _echo(key[1]), "row": first_row[key]})
        else:
            first_row[key] = row.number
            drafts.append(_Draft(key, [row]))
    return drafts


def _check_occupancy(draft: _Draft, errors: _Errors) -> None:
    first = draft.rows[0]
    if not first.texts["occupancy"]:
        errors.add(first.number, _column_empty("occupancy"))
    for row in draft.rows[1:]:
        if first.values["occupancy"] and row.values["occupancy"] not in (None, first.values["occupancy"]):
            errors.add(row.number, _("the occupancy differs from row %(row)d of the same household")
                       % {"row": first.number})


def _check_people(draft: _Draft, errors: _Errors) -> None:
    """A person on every row of a household with several rows, and at most one head, first."""
    if len(draft.rows) > 1:
        for row in draft.rows:
            if row.member is None:
                errors.add(row.number, _column_empty("name"))
    people = [row for row in draft.rows if row.member]
    for index, row in enumerate(people):
        if not row.texts["relation"]:
            if index == 0:
                row.member["relation"] = Person.Relation.HEAD
            else:
                errors.add(row.number, _column_empty("relation"))
    heads = [row for row in people if row.member["relation"] == Person.Relation.HEAD]
    for row in heads[1:]:
        errors.add(row.number, _("the household already has a head (户主) in row %(row)d") % {"row": heads[0].number})
    if heads and heads[0] is not people[0]:
        errors.add(heads[0].number, _("the head (户主) must be on the household's first row"))


def _check_registered(drafts: list[_Draft], errors: _Errors) -> None:
    """Refuse addresses already registered at their node, so a file imported twice is not doubled."""
    wanted = {(draft.node.pk, draft.address): draft for draft in drafts if draft.node}
    if not wanted:
        return
    existing = Household.objects.filter(node_id__in={key[0] for key in wanted},
                                        address__in={key[1] for key in wanted}).values_list("node_id", "address")
    for key in existing:
        if draft := wanted.get(key):
            errors.add(draft.rows[0].number, _("a household at “%(address)s” is already registered in %(node)s")
                       % {"address": _echo(draft.address), "node": draft.node.name})


def _validated_households(root: OrgUnit, rows: list[tuple[int, tuple]]) -> list[_Draft]:
    """Every check on every row; raise with all problems found, or return the households."""
    header_index, positions = _find_header(rows)
    data = rows[header_index + 1:]
    if len(data) > settings.IMPORT_MAX_ROWS:
        raise ImportRejected([_("The file has more than %(max)d rows. Split it into files of at most %(max)d "
                                "rows.") % {"max": settings.IMPORT_MAX_ROWS}])
    if not data:
        raise ImportRejected([_("There are no rows to import below the header row.")])
    errors = _Errors()
    parsed = [_parse_row(number, cells, positions, errors) for number, cells in data]
    _resolve_nodes(parsed, root, errors)
    drafts = _group(parsed, errors)
    for draft in drafts:
        _check_occupancy(draft, errors)
        _check_people(draft, errors)
    _check_registered(drafts, errors)
    if errors:
        raise ImportRejected(errors.messages())
    return drafts


def _filename(upload) -> str:
    name = str(getattr(upload, "name", "") or "")
    return name.replace("\\", "/").rsplit("/", 1)[-1][:200]


def import_households(*, actor, node: OrgUnit, upload) -> int:
    """Register every household of an uploaded workbook under `node`, or none: any problem in
    any row raises ImportRejected listing them all. Returns the number of households."""
    if actor is not None:  # None is the platform itself (a management command)
        require_perm(actor, "orgs.import_households", node)
    drafts = _validated_households(node, _load_rows(upload))
    persons = sum(len(draft.members) for draft in drafts)
    with transaction.atomic():
        for draft in drafts:
            services.household_register(
                actor=actor, node=draft.node, address=draft.address, occupancy=draft.rows[0].values["occupancy"],
                members=draft.members, consent_channel=Consent.Channel.PAPER, consent_evidence=CONSENT_EVIDENCE,
            )
        record(actor=actor, action="household.imported", node=node,
               data={"households": len(drafts), "persons": persons, "filename": _filename(upload)})
    return len(drafts)


# --- The export ----------------------------------------------------------------------------


def _neutralised(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (CSV/formula
    injection): it then stays text here and in any CSV made from the file."""
    if isinstance(value, str) and value.startswith(FORMULA_CHARS):
        return "'" + value
    return value


def _subtree_labels(root: OrgUnit) -> dict[str, str]:
    """Node path → the node column of an export: the name path below the exported node, so
    the file imports again under a node with the same structure ("" for the node itself)."""
    names = dict(OrgUnit.objects.in_subtree(root).values_list("path", "name"))
    return {path: _relative_label(path, root.path, names) or "" for path in names}


def _households_in(root: OrgUnit) -> Iterator[Household]:
    # iterator(chunk_size) with prefetch_related fetches members chunk by chunk, so memory stays
    # flat however many households the subtree holds.
    # Only the columns written: converting unused timestamps was a tenth of the time.
    people = Person.objects.only(*PERSON_FIELDS).order_by("id")
    households = (Household.objects.in_subtree(root).only("path", "address", "occupancy").order_by("path", "id")
                  .prefetch_related(Prefetch("members", queryset=people)))
    return households.iterator(chunk_size=EXPORT_CHUNK)


def _person_values(person: Person) -> dict:
    return {
        "name": person.name,
        "gender": GENDER.labels.get(person.gender, ""),
        "birth_year": person.birth_year or "",
        "relation": RELATION.labels.get(person.relation, ""),
        "phone": person.masked_phone,  # never the full number in a file (security.md P-2)
        "party": PARTY.labels[person.is_party_member],
    }


def _household_rows(household: Household, members: list[Person], node_label: str) -> list[list]:
    common = {"address": household.address, "node": node_label,
              "occupancy": OCCUPANCY.labels.get(household.occupancy, "")}
    # The head first, as an import expects; a household without members keeps one row.
    members = sorted(members, key=lambda person: person.relation != Person.Relation.HEAD)
    return [_ordered(common | _person_values(person)) for person in members] or [_ordered(common)]


def _export_sheet(workbook: Workbook, node: OrgUnit):
    sheet = workbook.create_sheet(SHEET_TITLE)
    _set_widths(sheet)  # a write-only sheet takes column settings before its first row
    sheet.freeze_panes = "A3"
    exported_at = timezone.localtime(timezone.now(), SHANGHAI)
    title = f"{node.name} 住户名单 Households · 导出时间 Exported {exported_at:%Y-%m-%d %H:%M} (北京时间 Asia/Shanghai)"
    sheet.append([_neutralised(title)])
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    return sheet


def _write_households(sheet, node: OrgUnit) -> tuple[int, int]:
    """Append the subtree's rows; return the numbers of households and persons written."""
    labels = _subtree_labels(node)
    households = persons = 0
    rows_left = EXCEL_MAX_ROWS - 2  # below the title and header rows
    for household in _households_in(node):
        members = list(household.members.all())
        rows = _household_rows(household, members, labels.get(household.path, ""))
        rows_left -= len(rows)
        if rows_left < 0:  # Excel would not open the file whole; better no file than a cut one
            raise DomainError(_("The export would have more rows than one Excel sheet holds (%(max)d); export "
                                "a smaller part of the tree.") % {"max": EXCEL_MAX_ROWS})
        for row in rows:
            sheet.append([_neutralised(value) for value in row])
        households += 1
        persons += len(members)
    return households, persons


def _discard(workbook: Workbook) -> None:
    """Finish an abandoned write-only workbook: saving is openpyxl's only public way to delete
    the temporary file holding the rows written so far, residents' names among them."""
    with contextlib.suppress(Exception):
        workbook.save(io.BytesIO())


def export_households(*, actor, node: OrgUnit) -> bytes:
    """The households of `node`'s subtree as .xlsx, one row per person, phones masked, in the
    template's columns so the file can be imported again."""
    if actor is not None:  # None is the platform itself (a management command)
        require_perm(actor, "orgs.export_households", node)
    workbook = Workbook(write_only=True)  # rows stream to a temporary file, not to memory
    try:
        households, persons = _write_households(_export_sheet(workbook, node), node)
    except BaseException:
        _discard(workbook)
        raise
    content = _save(workbook)
    # Recorded once the file exists and before it is handed out: no export without its trace.
    with transaction.atomic():
        record(actor=actor, action="household.exported", node=node,
               data={"households": households, "persons": persons})
    return content
