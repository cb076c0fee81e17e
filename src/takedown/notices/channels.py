"""Notice channels: how an approved request leaves the center, as plug-ins registered by name.

E-mail is built in; the web-form channel (a site's report form, ``notices.webform``) registers
the same way, in ``takedown.plugins.CHANNELS``. The send stage uses the request's own
``Notice.channel``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from takedown.notices.compose import DraftNotice
from takedown.notices.send import (
    Attachment,
    SendResult,
    SmtpConfig,
    build_message,
    new_message_id,
    send_message,
)

if TYPE_CHECKING:
    from takedown.config import Settings


class ChannelUnavailable(RuntimeError):  # noqa: N818 - reads as the condition it reports
    """The channel cannot deliver with this installation's settings (said to the officer)."""


@dataclass(frozen=True)
class Outgoing:
    """What a channel may need of the request beyond its text (a form asks for the URLs)."""

    site: str = ""
    page_urls: tuple[str, ...] = ()
    media_urls: tuple[str, ...] = ()
    center_name: str = ""
    center_email: str = ""
    center_phone: str = ""
    center_address: str = ""


class NoticeChannel(Protocol):
    """Delivers one approved draft. Raises :class:`~takedown.notices.send.SendError`."""

    name: str

    def new_id(self) -> str:
        """An identifier to store *before* delivering, reused on every retry."""
        ...

    async def deliver(
        self,
        draft: DraftNotice,
        *,
        to: Sequence[str],
        message_id: str,
        attachments: Sequence[Attachment] = (),
        outgoing: Outgoing | None = None,
    ) -> SendResult: ...


class EmailChannel:
    """SMTP delivery (``smtp_url``/``smtp_from``)."""

    name = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailChannel:
        """The channel factory of ``takedown.plugins.CHANNELS``: refuses when sending is off."""
        if not settings.smtp_url or not settings.smtp_from:
            raise ChannelUnavailable(
                "sending is disabled: set TAKEDOWN_SMTP_URL and TAKEDOWN_SMTP_FROM"
            )
        return cls(SmtpConfig.from_url(settings.smtp_url, settings.smtp_from))

    def new_id(self) -> str:
        return new_message_id(self.config.sender)

    async def deliver(
        self,
        draft: DraftNotice,
        *,
        to: Sequence[str],
        message_id: str,
        attachments: Sequence[Attachment] = (),
        outgoing: Outgoing | None = None,
    ) -> SendResult:
        message = build_message(
            draft,
            sender=self.config.sender,
            to=to,
            message_id=message_id,
            attachments=attachments,
        )
        return await send_message(self.config, message)


_REGISTRY: dict[str, Callable[..., NoticeChannel]] = {"email": EmailChannel}


def register_channel(name: str, factory: Callable[..., NoticeChannel]) -> None:
    """Add or replace a channel kind (third-party channels use the same hook as e-mail)."""
    _REGISTRY[name] = factory


def channel_names() -> list[str]:
    return sorted(_REGISTRY)


def make_channel(name: str, *args: object, **kwargs: object) -> NoticeChannel:
    """Build the channel registered as ``name`` (``make_channel("email", smtp_config)``)."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown notice channel {name!r}; known: {channel_names()}") from None
    return factory(*args, **kwargs)
