"""The working of an award and the reason of an allocation, worded in the reader's language.

`rules.py` stores codes and integers (JSON on the application and the allocation); this module
turns them into sentences when a page, the API or the PDF notice shows them, so a line reads the
same everywhere and follows the language of whoever reads it."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

KIND_LABELS = {
    "cash": lambda: pgettext("contribution kind", "Cash"),
    "labour": lambda: pgettext("contribution kind", "Labour"),
    "materials": lambda: pgettext("contribution kind", "Materials"),
    "land": lambda: pgettext("contribution kind", "Land ceded"),
    "equipment": lambda: pgettext("contribution kind", "Equipment"),
}


def yuan(fen: int | None) -> str:
    """¥2,100 or ¥2,100.50 — from integer fen, without floats."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}" + (f".{cents:02d}" if cents else "")


def permille(value: int | None) -> str:
    """1000 → 100%, 333 → 33.3%."""
    if value is None:
        return "—"
    whole, tenth = divmod(int(value), 10)
    return f"{whole}.{tenth}%" if tenth else f"{whole}%"


def days(hours: int, hours_per_day: int) -> str:
    whole, rest = divmod(hours, hours_per_day)
    if not rest:
        return str(whole)
    return f"{hours / hours_per_day:.2f}".rstrip("0").rstrip(".")


def kind_label(kind: str) -> str:
    return KIND_LABELS[kind]() if kind in KIND_LABELS else kind


def line_text(line: dict) -> str:
    """One line of the working of an award."""
    code = line.get("code")
    m = {k: yuan(line[k]) for k in ("value", "eligible", "budget", "cap", "others", "room", "day") if k in line}
    if code == "kind":
        return _("%(kind)s: %(value)s") % {"kind": kind_label(line["kind"]), "value": m["value"]}
    if code == "labour":
        return _("Eligible labour: %(hours)s hours = %(days)s person-days (人天) × %(day)s = %(value)s "
                 "(%(per_day)s hours a day, rounded down to the fen)") % {
            "hours": line["hours"], "days": days(line["hours"], line["hours_per_day"]), "day": m["day"],
            "value": m["value"], "per_day": line["hours_per_day"]}
    if code == "not_counted":
        return _("%(kind)s %(value)s: not counted by this pool's rules") % {
            "kind": kind_label(line["kind"]), "value": m["value"]}
    if code == "eligible":
        return _("Eligible self-raised value: %(value)s") % m
    if code == "no_budget":
        return _("The project has no budget to measure its self-raised share against (minimum %(minimum)s): "
                 "no award") % {"minimum": permille(line["minimum"])}
    if code == "share":
        text = _("Self-raised share: %(eligible)s ÷ project budget %(budget)s = %(share)s; the minimum is "
                 "%(minimum)s") % {"eligible": m["eligible"], "budget": m["budget"],
                                   "share": permille(line["share"]), "minimum": permille(line["minimum"])}
        return text + " — " + (_("met") if line["ok"] else _("not met: no award"))
    if code == "rate":
        return _("%(eligible)s × award rate %(rate)s = %(value)s (rounded down to the fen)") % {
            "eligible": m["eligible"], "rate": permille(line["rate"]), "value": m["value"]}
    if code == "cap_request":
        return _("Capped at the amount requested: %(value)s") % m
    if code == "cap_project":
        return _("Capped at the per-project cap: %(value)s") % m
    if code == "cap_community":
        return _("Per-community cap %(cap)s − the community's other awards in this pool %(others)s = "
                 "%(room)s left: capped at %(value)s") % m
    if code == "award":
        return _("Award: %(value)s") % m
    return str(code)


def working_text(lines: list[dict]) -> list[str]:
    return [line_text(line) for line in lines or []]


def reason_text(reason: str, params: dict | None) -> str:
    """Why an application got its allocation, in one sentence."""
    p = dict(params or {})
    for key in ("award", "budget", "total", "left"):
        if key in p:
            p[key] = yuan(p[key])
    texts = {
        "no_award": lambda: _("The pool's rules give this application no award."),
        "score_funded": lambda: _("Score %(score)s, place %(rank)s in score order: funded in full.") % p,
        "score_no_room": lambda: _("Score %(score)s, place %(rank)s in score order: its award did not fit in "
                                   "the %(left)s left.") % p,
        "full": lambda: _("The pool covers every award: funded in full."),
        "proportional": lambda: _("Requests exceed the pool: award %(award)s × pool %(budget)s ÷ all awards "
                                  "%(total)s, rounded down to the fen (the fen left over go one each to the "
                                  "largest remainders).") % p,
        "greedy_funded": lambda: _("Approved by %(approvals)s of %(voters)s residents who voted: funded in order "
                                   "of approvals (place %(order)s).") % p,
        "mes_funded": lambda: _("Approved by %(approvals)s of %(voters)s residents who voted: its supporters "
                                "could pay for it from their equal shares of the pool (Method of Equal "
                                "Shares).") % p,
        "completion_funded": lambda: _("Approved by %(approvals)s of %(voters)s residents who voted: funded from "
                                       "the money the Method of Equal Shares left, in the completion "
                                       "step.") % p,
        "no_room": lambda: _("Approved by %(approvals)s of %(voters)s residents who voted: its award did not "
                             "fit in the %(left)s left.") % p,
        "mes_not_chosen": lambda: _("Approved by %(approvals)s of %(voters)s residents who voted: its "
                                    "supporters' equal shares of the pool could not pay for it.") % p,
    }
    return texts[reason]() if reason in texts else reason


METHOD_EXPLANATIONS = {
    "score": lambda: _("Applications are funded in full in order of their review score (highest first) while "
                       "the pool lasts; one that does not fit in what is left is passed over."),
    "proportional": lambda: _("When the awards add up to more than the pool, every award is scaled down in "
                              "the same proportion."),
    "greedy": lambda: _("Residents approved the applications they support; applications are funded in order of "
                        "approvals while the pool lasts."),
    "mes": lambda: _("Residents approved the applications they support. Method of Equal Shares: the pool is "
                     "split equally among the residents who voted, and an application is funded when its "
                     "supporters can pay for it together from their shares."),
    "mes_complete": lambda: _("Residents approved the applications they support. Method of Equal Shares, then "
                              "the money left is used by the usual completion (a larger virtual pool, then "
                              "order of approvals)."),
}


def method_explanation(method: str) -> str:
    return METHOD_EXPLANATIONS[method]() if method in METHOD_EXPLANATIONS else method
