"""The Simplified Chinese catalogue is complete, well-formed, compiled and used.

zh-hans is the default language and the people who use Cocreate mostly read only Chinese, so an
English string left untranslated is a bug. When a test here fails after you added or changed text:

    .venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules \
        --ignore=staticfiles --ignore=bench --no-obsolete

then translate every empty or fuzzy entry in locale/zh_Hans/LC_MESSAGES/django.po (plain words,
same placeholders and HTML), remove the `#, fuzzy` flags and run `make messages`.
"""

import ast
import html
import io
import os
import re
import shutil
import subprocess
import tempfile
import tokenize
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.template import TemplateSyntaxError
from django.test.signals import setting_changed
from django.utils import translation
from django.utils.translation import templatize

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
PO_PATH = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
HOW_TO_FIX = (
    "run makemessages and translate: `.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv "
    "--ignore=node_modules --ignore=staticfiles --ignore=bench --no-obsolete`, then fill the new entries in "
    "locale/zh_Hans/LC_MESSAGES/django.po"
)

CJK = re.compile(r"[\u4e00-\u9fff]")
# %(name)s, %(count)d, %s, %5.2f … (and %% for a literal per cent sign)
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{[A-Za-z_0-9.\[\]]*(?:![rsa])?(?::[^{}]*)?\}(?!\})")
HTML_TAG = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)\b[^>]*?/?>")

# The gettext functions makemessages knows, and which argument is the context / the msgid.
GETTEXT_CALLS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}
SOURCE_DIRS = ("cocreate", "config", "templates")
SKIP_DIRS = {"tests", "migrations", "__pycache__", "node_modules", "static", "staticfiles"}


def _catalog():
    with PO_PATH.open("rb") as fh:
        return read_po(fh, locale="zh_Hans")


def _messages(catalog):
    return [m for m in catalog if m.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def _label(message) -> str:
    msgid = _ids(message)[0]
    return f"{message.context}|{msgid}" if message.context else msgid


# --- (a) every entry is translated, nothing is fuzzy, the header is right -------------------------


def test_header_language_and_plural_forms():
    text = PO_PATH.read_text(encoding="utf-8")
    assert '"Language: zh_Hans\\n"' in text
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in text
    catalog = _catalog()
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy: remove `#, fuzzy` above the header"
    assert catalog.num_plurals == 1


def test_no_fuzzy_flags_or_extra_plural_forms():
    lines = PO_PATH.read_text(encoding="utf-8").splitlines()
    fuzzy = [n for n, line in enumerate(lines, 1) if line.startswith("#,") and "fuzzy" in line]
    extra = [n for n, line in enumerate(lines, 1) if re.match(r"msgstr\[[1-9]\]", line)]
    assert not fuzzy, f"`#, fuzzy` on lines {fuzzy} of {PO_PATH.name}: check the translation and drop the flag"
    assert not extra, (
        f"msgstr[1] or later on lines {extra} of {PO_PATH.name}: Chinese has one plural form, keep only msgstr[0]"
    )


def test_every_entry_is_translated():
    messages = _messages(_catalog())
    assert len(messages) > 100, "the catalogue is unexpectedly small"
    untranslated = [_label(m) for m in messages if not all(s.strip() for s in _strings(m))]
    fuzzy = [_label(m) for m in messages if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated entries ({HOW_TO_FIX}):\n" + "\n".join(untranslated)
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (check them and drop the flag):\n" + "\n".join(fuzzy)


def test_plural_entries_have_one_form():
    wrong = [_label(m) for m in _messages(_catalog()) if m.pluralizable and len(_strings(m)) != 1]
    assert not wrong, "plural entries must have exactly one msgstr[0]:\n" + "\n".join(wrong)


# --- (b) placeholders and HTML are kept ----------------------------------------------------------


def _percent_placeholders(text: str) -> Counter:
    return Counter(p for p in PERCENT_PLACEHOLDER.findall(text) if p != "%%")


def test_placeholders_match():
    problems = []
    for message in _messages(_catalog()):
        msgid = _ids(message)[0]
        is_python_format = "python-format" in message.flags or "%(" in msgid
        for string in _strings(message):
            if not string:
                continue  # reported by test_every_entry_is_translated
            if is_python_format:
                expected, got = _percent_placeholders(msgid), _percent_placeholders(string)
                named = {p for p in expected if p.startswith("%(")}
                # A named placeholder may be repeated or reordered; unnamed ones must match in number and order.
                if named != {p for p in got if p.startswith("%(")} or (
                    [p for p in PERCENT_PLACEHOLDER.findall(msgid) if not p.startswith(("%(", "%%"))]
                    != [p for p in PERCENT_PLACEHOLDER.findall(string) if not p.startswith(("%(", "%%"))]
                ):
                    problems.append(f"{msgid!r}: {sorted(expected)} ≠ {sorted(got)} in {string!r}")
            if set(BRACE_PLACEHOLDER.findall(msgid)) != set(BRACE_PLACEHOLDER.findall(string)):
                problems.append(f"{msgid!r}: brace placeholders differ in {string!r}")
            tags_id = Counter(t.lower() for t in HTML_TAG.findall(msgid))
            tags_str = Counter(t.lower() for t in HTML_TAG.findall(string))
            if tags_id != tags_str:
                problems.append(f"{msgid!r}: HTML tags {dict(tags_id)} ≠ {dict(tags_str)} in {string!r}")
    assert not problems, "placeholders or HTML differ between msgid and msgstr:\n" + "\n".join(problems)


def test_babel_format_checks_pass():
    problems = [f"{_label(m)}: {'; '.join(map(str, errors))}" for m, errors in _catalog().check()]
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_check_format():
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [shutil.which("msgfmt"), "--check-format", "-o", os.devnull, str(PO_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- (c) pages come out in Chinese by default and in English on request ---------------------------


@pytest.fixture(scope="session")
def compiled_catalogue():
    """Build django.mo when it is missing or older than django.po (.mo files are not in git)."""
    if not MO_PATH.exists() or MO_PATH.stat().st_mtime < PO_PATH.stat().st_mtime:
        buffer = io.BytesIO()
        write_mo(buffer, _catalog())  # fuzzy entries are left out, as gettext does
        fd, tmp = tempfile.mkstemp(dir=MO_PATH.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(buffer.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, MO_PATH)  # atomic, in case parallel workers compile at the same time
        # Translations loaded before the file existed are cached; drop them as a settings change would.
        setting_changed.send(sender=type(settings), setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=True)
    return MO_PATH


def _h1(response) -> str:
    assert response.status_code == 200
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    assert match, "the page has no <h1>"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


@pytest.mark.django_db
def test_login_page_is_chinese_by_default_and_english_on_request(client, compiled_catalogue):
    assert settings.LANGUAGE_CODE == "zh-hans"
    chinese = client.get("/accounts/login/")
    zh_heading = _h1(chinese)
    assert CJK.search(zh_heading), f"default-language heading is not Chinese: {zh_heading!r}"
    assert 'lang="zh-CN"' in chinese.content.decode()

    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    en_heading = _h1(english)
    assert not CJK.search(en_heading) and re.search(r"[A-Za-z]", en_heading), en_heading
    assert 'lang="en"' in english.content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext(en_heading) == zh_heading  # the same heading, from the catalogue

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert settings.LANGUAGE_COOKIE_NAME == "cocreate_language"
    assert _h1(client.get("/accounts/login/")) == en_heading


@pytest.mark.django_db
def test_chinese_browser_gets_chinese(client, compiled_catalogue):
    """Phones in China send zh-CN (or zh-Hans-CN); both must map to zh-hans, not fall back to English."""
    for header in ("zh-CN,zh;q=0.9", "zh-Hans-CN", "zh"):
        assert CJK.search(_h1(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=header))), header


# --- (d) every string in the code is in the catalogue --------------------------------------------


def _source_files():
    for top in SOURCE_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or SKIP_DIRS.intersection(path.relative_to(ROOT).parts[:-1]):
                continue
            if path.suffix == ".py" or (path.suffix in {".html", ".txt"} and "templates" in path.parts):
                yield path


def _gettext_literals(source: str):
    """(context, msgid) of each gettext call whose arguments are string literals (adjacent ones joined)."""
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT)
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return
    for i, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in GETTEXT_CALLS:
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].string != "(" or (i and tokens[i - 1].string == "def"):
            continue
        args, current, j = [], [], i + 2
        while j < len(tokens):
            tok = tokens[j]
            if tok.type == tokenize.STRING:
                current.append(tok.string)
            elif tok.string in {",", ")"}:
                args.append(current)
                current = []
                if tok.string == ")":
                    break
            else:  # not a plain literal (a variable, an f-string, a call …): nothing to check
                args.append(None)
                break
            j += 1
        context_index, msgid_index = GETTEXT_CALLS[token.string]
        needed = [msgid_index] + ([context_index] if context_index is not None else [])
        if len(args) <= max(needed) or any(not args[k] for k in needed):
            continue
        try:
            values = {k: "".join(ast.literal_eval(part) for part in args[k]) for k in needed}
        except (ValueError, SyntaxError, TypeError):
            continue  # f-strings, bytes …
        if not all(isinstance(v, str) for v in values.values()):
            continue
        msgid = values[msgid_index]
        if msgid:
            yield (values[context_index] if context_index is not None else None), msgid, token.start[0]


def test_every_string_in_the_code_is_in_the_catalogue():
    catalog = _catalog()
    missing = []
    for path in _source_files():
        source = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            try:
                source = templatize(source, origin=str(path))
            except (SyntaxError, TemplateSyntaxError, ValueError):
                continue  # a template being edited: its own tests report the error
        for context, msgid, line in _gettext_literals(source):
            message = catalog.get(msgid, context=context)
            string = _strings(message)[0] if message else ""
            if not message or not string:
                where = f"{path.relative_to(ROOT)}" + (f":{line}" if path.suffix == ".py" else "")
                missing.append(f"{where}: {msgid!r}" + (f" (context {context!r})" if context else ""))
    assert not missing, (
        f"{len(missing)} strings in the code are not translated in the catalogue — {HOW_TO_FIX}:\n" + "\n".join(missing)
    )
