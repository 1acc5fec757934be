"""The page's answer to a POST-only button: run one service write and say how it went."""

from django.contrib import messages

from cocreate.core.errors import DomainError


def report(request, write, *, done) -> bool:
    """Run `write()`; show its refusal, or `done` (a text, or a function of what `write`
    returned), as the next page's message. True when it was written."""
    try:
        result = write()
    except DomainError as refused:
        messages.error(request, refused.message)
        return False
    messages.success(request, done(result) if callable(done) else done)
    return True
