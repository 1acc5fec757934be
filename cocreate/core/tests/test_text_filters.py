"""`clip`, the list rows' truncation filter, available in every template without a load."""

from django.template import engines


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_a_long_text_ends_in_an_ellipsis_within_the_length():
    assert render("{{ t|clip:5 }}", t="小区门口路灯坏了三个月") == "小区门口…"
    assert len(render("{{ t|clip:5 }}", t="小区门口路灯坏了三个月")) == 5


def test_a_text_that_fits_is_left_whole():
    assert render("{{ t|clip:5 }}", t="路灯坏了") == "路灯坏了"
    assert render("{{ t|clip:4 }}", t="路灯坏了") == "路灯坏了"


def test_the_text_is_still_escaped_and_odd_lengths_are_harmless():
    assert render("{{ t|clip:9 }}", t="<b>路灯</b>坏了") == "&lt;b&gt;路灯&lt;/b…"
    assert render("{{ t|clip:0 }}", t="路灯") == ""
    assert render("{{ t|clip:'x' }}", t="路灯") == "路灯"


def test_it_cuts_as_django_s_truncatechars_does_in_english():
    """Django's Chinese catalogue ends a cut text with "..." (three of the reader's characters);
    `clip` always ends it with one "…"."""
    from django.utils import translation

    with translation.override("en"):  # not activate(): the language would leak into later tests
        for text in ("", "a", "路灯坏了", "Street light broken since March", "小区门口路灯坏了三个月没人修"):
            for length in (1, 2, 5, 10, 40):
                assert (render("{{ t|clip:n }}", t=text, n=length)
                        == render("{{ t|truncatechars:n }}", t=text, n=length))
