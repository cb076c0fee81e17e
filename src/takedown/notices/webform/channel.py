"""The web-form notice channel: an approved request submitted through the site's report form.

The form is driven in the capture browser (Playwright, every request through the guard proxy)
from the site's recipe (:mod:`takedown.notices.webform.recipe`). Each submission is recorded
with a screenshot before and after the submitting click and the confirmation text and number.

A CAPTCHA or a login wall stops the run before anything is submitted: the form is handed to the
officer (:class:`NeedsOfficer`) with every value filled in, ready to copy. A failure after the
submitting click is never retried by itself (a second click could report twice): the officer
looks at the screenshots and decides.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import FilePayload, Page

from takedown.fetch.browser import Browser, BrowserConfig, BrowserError
from takedown.fetch.guard import UrlGuard
from takedown.notices.channels import ChannelUnavailable, Outgoing
from takedown.notices.compose import DraftNotice
from takedown.notices.send import Attachment, SendError, SendResult, new_message_id
from takedown.notices.webform.recipe import Recipe, RecipeError, recipe_for, render

if TYPE_CHECKING:
    from takedown.config import Settings

# Found before anything is filled and again before the submitting click.
BLOCKER_SCRIPT = """() => {
  const captcha = document.querySelector(
    '.g-recaptcha, .h-captcha, .cf-turnstile, [data-sitekey], iframe[src*="recaptcha"], ' +
    'iframe[src*="hcaptcha"], iframe[src*="turnstile"], iframe[src*="captcha"], ' +
    'input[name*="captcha" i], input[id*="captcha" i], img[src*="captcha" i], ' +
    'img[alt*="captcha" i], #captcha, .captcha');
  if (captcha) return 'captcha';
  const visible = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  if ([...document.querySelectorAll('input[type=password]')].some(visible)) return 'login';
  return null;
}"""
_LOGIN_URL = re.compile(r"/(?:login|signin|sign-in|log-in|auth)(?:[/?#.]|$)", re.IGNORECASE)
MAX_CONFIRMATION_CHARS = 2000


class NeedsOfficer(SendError):  # noqa: N818 - reads as the condition it reports
    """The form cannot be submitted by a machine (CAPTCHA, login): the officer submits it, with
    ``values`` (what each field should hold) ready to copy."""

    def __init__(
        self,
        reason: str,
        *,
        url: str,
        values: list[dict[str, str]],
        artifacts: tuple[Attachment, ...] = (),
    ) -> None:
        super().__init__(
            f"{reason} on the report form {url}: submit it by hand (the values are ready to copy)",
            temporary=False,
        )
        self.reason = reason
        self.url = url
        self.values = values
        self.artifacts = artifacts


class FormFailed(SendError):  # noqa: N818 - reads as the condition it reports
    """The form run failed; ``artifacts`` are the screenshots taken up to then."""

    def __init__(self, message: str, *, temporary: bool, artifacts: tuple[Attachment, ...]):
        super().__init__(message, temporary=temporary)
        self.artifacts = artifacts


def request_values(draft: DraftNotice, outgoing: Outgoing, message_id: str) -> dict[str, str]:
    """What a recipe's templates may use, from the approved request only."""
    return {
        "subject": draft.subject,
        "body": draft.body,
        "urls": "\n".join(outgoing.page_urls),
        "first_url": outgoing.page_urls[0] if outgoing.page_urls else "",
        "media_urls": "\n".join(outgoing.media_urls),
        "legal_basis": draft.legal_basis,
        "language": draft.language,
        "center_name": outgoing.center_name,
        "center_email": outgoing.center_email,
        "center_phone": outgoing.center_phone,
        "center_address": outgoing.center_address,
        "message_id": message_id,
    }


def filled_values(recipe: Recipe, values: dict[str, str]) -> list[dict[str, str]]:
    """Every field of every step with the value it gets: what the officer copies."""
    out: list[dict[str, str]] = [{"field": "form", "value": recipe.url}]
    for step in recipe.steps:
        out += [{"field": sel, "value": render(t, values)} for sel, t in step.fill.items()]
        out += [{"field": sel, "value": render(t, values)} for sel, t in step.select.items()]
        out += [{"field": sel, "value": "checked"} for sel in step.check]
        out += [{"field": sel, "value": "attach: request.txt"} for sel in step.attach]
    return out


BrowserFactory = Callable[[], Browser]


class WebFormChannel:
    """Submits through the site's report form; registered as ``webform``."""

    name = "webform"

    def __init__(self, recipes_dir: Path, browser: BrowserFactory, sender: str) -> None:
        self.recipes_dir = recipes_dir
        self._browser = browser
        self.sender = sender

    @classmethod
    def from_settings(cls, settings: Settings) -> WebFormChannel:
        folder = settings.webform_recipes_dir or settings.home / "webforms"

        def browser() -> Browser:
            return Browser(
                BrowserConfig.from_settings(settings), guard=UrlGuard(allow=settings.fetch_allow)
            )

        return cls(folder, browser, settings.smtp_from or settings.center_email)

    def new_id(self) -> str:
        # The submission's own identifier (kept on the request like a Message-ID).
        return new_message_id(self.sender if "@" in self.sender else "center@takedown.invalid")

    def recipe(self, site: str) -> Recipe:
        try:
            found = recipe_for(self.recipes_dir, site)
        except RecipeError as exc:
            raise ChannelUnavailable(f"a web-form recipe is broken: {exc}") from exc
        if found is None:
            raise ChannelUnavailable(f"no web-form recipe serves {site} in {self.recipes_dir}")
        return found

    @asynccontextmanager
    async def _page(self) -> AsyncIterator[Page]:
        browser = self._browser()
        try:
            async with browser.page() as page:
                yield page
        finally:
            await browser.aclose()

    async def deliver(
        self,
        draft: DraftNotice,
        *,
        to: Sequence[str],
        message_id: str,
        attachments: Sequence[Attachment] = (),
        outgoing: Outgoing | None = None,
    ) -> SendResult:
        if outgoing is None or not outgoing.site:
            raise SendError("a web-form submission needs the request's site", temporary=False)
        try:
            recipe = self.recipe(outgoing.site)
        except ChannelUnavailable as exc:
            raise SendError(str(exc), temporary=False) from exc
        values = request_values(draft, outgoing, message_id)
        try:
            return await self._run(recipe, values, draft, message_id)
        except (BrowserError, TimeoutError) as exc:
            raise SendError(f"the report form could not be loaded: {exc}", temporary=True) from exc

    async def _run(
        self, recipe: Recipe, values: dict[str, str], draft: DraftNotice, message_id: str
    ) -> SendResult:
        shots: list[Attachment] = []
        submitted = False
        request_file = f"{draft.subject}\n\n{draft.body}\n".encode()
        async with self._page() as page:
            try:
                await page.goto(
                    recipe.url, wait_until="load", timeout=recipe.timeout_seconds * 1000
                )
                for number, step in enumerate(recipe.steps, start=1):
                    await self._stop_if_blocked(page, recipe, values, shots)
                    for sel, template in step.fill.items():
                        await page.fill(sel, render(template, values))
                    for sel, template in step.select.items():
                        await page.select_option(sel, render(template, values))
                    for sel in step.check:
                        await page.check(sel)
                    for sel in step.attach:
                        payload: FilePayload = {
                            "name": "request.txt",
                            "mimeType": "text/plain",
                            "buffer": request_file,
                        }
                        await page.set_input_files(sel, files=[payload])
                    if step.submit:
                        await self._stop_if_blocked(page, recipe, values, shots)
                        shots.append(await _shot(page, f"before-submit-{number}"))
                    if step.click:
                        submitted = submitted or step.submit
                        await page.click(step.click, timeout=recipe.timeout_seconds * 1000)
                        await page.wait_for_load_state("load")
                    if step.wait_for:
                        await page.wait_for_selector(
                            step.wait_for, timeout=recipe.timeout_seconds * 1000
                        )
                    if step.submit:
                        shots.append(await _shot(page, f"after-submit-{number}"))
                receipt = await self._confirmation(page, recipe)
            except PlaywrightError as exc:
                message = str(exc.message or exc).splitlines()[0][:500]
                if submitted:
                    raise FormFailed(
                        f"the report form failed after submitting ({message}): check the "
                        "screenshots before sending again",
                        temporary=False,
                        artifacts=tuple(shots),
                    ) from exc
                raise FormFailed(
                    f"the report form failed before submitting: {message}",
                    temporary=not isinstance(exc, PlaywrightError) or "Timeout" in message,
                    artifacts=tuple(shots),
                ) from exc
        if not receipt["confirmed"]:
            raise FormFailed(
                "the report form was submitted but showed no confirmation: check the screenshots",
                temporary=False,
                artifacts=tuple(shots),
            )
        return SendResult(
            message_id=message_id,
            accepted=(recipe.url,),
            receipt={**receipt, "recipe": recipe.source or recipe.name, "form": recipe.url},
            artifacts=tuple(shots),
        )

    async def _stop_if_blocked(
        self, page: Page, recipe: Recipe, values: dict[str, str], shots: list[Attachment]
    ) -> None:
        found = await page.evaluate(BLOCKER_SCRIPT)
        if not found and _LOGIN_URL.search(page.url):
            found = "login"
        if found:
            reason = "a CAPTCHA" if found == "captcha" else "a login wall"
            shots.append(await _shot(page, f"handed-to-officer-{found}"))
            raise NeedsOfficer(
                reason, url=page.url, values=filled_values(recipe, values), artifacts=tuple(shots)
            )

    async def _confirmation(self, page: Page, recipe: Recipe) -> dict[str, Any]:
        success = recipe.success
        try:
            text = await page.inner_text(success.selector, timeout=10_000)
        except PlaywrightError:
            text = ""
        text = " ".join(text.split())[:MAX_CONFIRMATION_CHARS]
        confirmed = bool(text)
        if success.contains is not None:
            confirmed = success.contains.lower() in text.lower()
        if success.url_contains is not None:
            confirmed = confirmed and success.url_contains in page.url
        number = None
        if success.number:
            found = re.search(success.number, text)
            number = (found.group(1) if found.groups() else found.group(0)) if found else None
        return {"confirmed": confirmed, "text": text, "number": number, "final_url": page.url}


async def _shot(page: Page, name: str) -> Attachment:
    data = await page.screenshot(full_page=True, type="png", timeout=15_000)
    return Attachment(f"{name}.png", data, "image/png")
