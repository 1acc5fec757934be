"""Message channels behind one interface. The console backend is the embedded default;
a provider backend (Aliyun, Tencent Cloud SMS …) implements `send(phone, text)` the same way."""

import logging
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from cocreate.core.masking import mask_phone

logger = logging.getLogger("cocreate.sms")


class SmsUnavailable(Exception):
    """The SMS gateway could not take the message; the caller shows a clear message."""


class ConsoleSmsBackend:
    """Writes each message to the console log and to SMS_LOG_FILE (masked phone)."""

    def send(self, phone: str, text: str) -> None:
        line = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} to {mask_phone(phone)}: {text}"
        logger.info("SMS %s", line)
        path = Path(settings.SMS_LOG_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")


class LocmemSmsBackend:
    """Keeps messages in memory for tests: `LocmemSmsBackend.outbox`."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


@cache
def _backend_class(path: str):
    return import_string(path)


def send_sms(phone: str, text: str) -> None:
    _backend_class(settings.SMS_BACKEND)().send(phone, text)
