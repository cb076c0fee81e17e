"""What a hostile page may try while it is open, and the browser's answer: every request it makes
passes the guard first (or is aborted and recorded), a pop-up is closed and recorded, a dialog
is dismissed and recorded, and no WebRTC object is left to open a socket past the guard proxy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress

from playwright.async_api import BrowserContext, Dialog, Page, Request, Route
from playwright.async_api import Error as PlaywrightError

from takedown.fetch.guardproxy import ConnectGuard
from takedown.fetch.pagecapture import BlockedRequest, CaptureLimits
from takedown.fetch.recording import Clock, PageRecording

# Runs before any page script in every frame: no WebRTC object is left to open a UDP socket.
BLOCK_WEBRTC_SCRIPT = """(() => {
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel',
                      'RTCIceCandidate', 'RTCSessionDescription', 'RTCRtpSender',
                      'RTCRtpReceiver', 'RTCRtpTransceiver', 'RTCSctpTransport',
                      'RTCDtlsTransport', 'RTCIceTransport']) {
    try { Object.defineProperty(window, name, {value: undefined, writable: false,
                                               configurable: false}); } catch (e) {}
  }
  try {
    if (navigator.mediaDevices) {
      Object.defineProperty(navigator, 'mediaDevices', {value: undefined, configurable: false});
    }
  } catch (e) {}
})();"""


# What the browser needs of :class:`takedown.fetch.guard.UrlGuard` (raise to refuse): the same
# as the guard proxy needs for the connections it opens.
RequestGuard = ConnectGuard


async def open_guarded_page(
    context: BrowserContext,
    check: Callable[[str], None],
    limits: CaptureLimits,
    clock: Clock,
    skip: frozenset[str] = frozenset(),
) -> PageRecording:
    """The context's page, its every request through ``check``, its events recorded; requests
    of the resource types in ``skip`` are dropped unmade."""
    await context.add_init_script(BLOCK_WEBRTC_SCRIPT)
    page = await context.new_page()
    recording = PageRecording(page)
    await context.route("**/*", guard_requests(recording, check, limits, clock, skip))
    context.on("page", lambda p: recording.spawn(close_popup(recording, p)))
    page.on("dialog", lambda d: recording.spawn(dismiss_dialog(recording, d)))
    context.on("request", recording.request_started)
    context.on("requestfailed", recording.request_ended)
    context.on("requestfinished", lambda r: finished(recording, r, limits))
    return recording


def finished(recording: PageRecording, request: Request, limits: CaptureLimits) -> None:
    recording.request_ended(request)
    recording.spawn(recording.prefetch(request, limits))


def guard_requests(
    recording: PageRecording,
    check: Callable[[str], None],
    limits: CaptureLimits,
    clock: Clock,
    skip: frozenset[str] = frozenset(),
) -> Callable[[Route], Awaitable[None]]:
    """A route handler: a request past the budget, or refused by ``check``, is aborted and
    recorded as blocked; any other goes on, its start time noted for the WARC."""

    async def handle(route: Route) -> None:
        request = route.request
        if request.resource_type in skip:
            with suppress(PlaywrightError):
                await route.abort("blockedbyclient")
            return
        url = request.url
        reason: str | None = None
        if len(recording.requests) >= limits.max_requests:
            reason = f"more than {limits.max_requests} requests"
        else:
            try:
                # The guard resolves DNS, which blocks: keep the event loop free.
                await asyncio.to_thread(check, url)
            except Exception as exc:  # any refusal, or a failing guard, blocks
                reason = str(getattr(exc, "reason", "") or exc or type(exc).__name__)
        if reason is not None:
            recording.blocked.append(BlockedRequest(url, reason))
            with suppress(PlaywrightError):
                await route.abort("blockedbyclient")
            return
        recording.started[id(request)] = clock()
        recording.requests.append(request)
        with suppress(PlaywrightError):
            await route.continue_()

    return handle


async def close_popup(recording: PageRecording, popup: Page) -> None:
    if popup is recording.page:
        return
    with suppress(PlaywrightError):
        await popup.wait_for_load_state("domcontentloaded", timeout=1500)
    recording.popups.append(popup.url)
    with suppress(PlaywrightError):
        await popup.close()


async def dismiss_dialog(recording: PageRecording, dialog: Dialog) -> None:
    recording.dialogs.append(f"{dialog.type}: {dialog.message[:200]}")
    with suppress(PlaywrightError):
        await dialog.dismiss()
