"""Re-notice and escalation policy as a pure function over one request's chain.

A reminder every ``renotice_seconds`` until the content is removed; after
``escalate_after_reminders`` reminders, one escalation per interval to the host, the CDN and the
registrar; then the regulator referral. Each step is a draft that waits for the officer; no step
is drafted twice (a pending draft blocks the next); a "removed" reply or a re-check that found the
content gone stops the sequence. :func:`next_contact_after_bounce` picks who to write to when a
recipient bounced, in provenance order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from takedown.notices.contacts.model import Contact, ContactSet

StepKind = Literal["initial", "reminder", "escalation", "referral"]
Target = Literal["site", "host", "cdn", "registrar", "regulator"]
StepState = Literal["draft", "approved", "sent", "failed", "rejected"]

ESCALATION_TARGETS: tuple[Target, ...] = ("host", "cdn", "registrar")
# Who to write to after a bounce: the site's own addresses first, then the registrar, the hosting
# network and the CDN (contact sources not known to the lookup are simply absent).
BOUNCE_ORDER: tuple[str, ...] = (
    "site",
    "security.txt",
    "rdap-registrar",
    "whois-registrar",
    "rdap-network",
    "cdn",
)


@dataclass(frozen=True)
class PolicySettings:
    renotice_seconds: int = 86400
    escalate_after_reminders: int = 2
    escalation_targets: tuple[Target, ...] = ESCALATION_TARGETS
    refer_to_regulator: bool = True

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=self.renotice_seconds)


@dataclass(frozen=True)
class ChainStep:
    """One request of the chain (the first one, a reminder, an escalation, a referral)."""

    kind: StepKind
    target: Target
    state: StepState
    sent_at: datetime | None = None


@dataclass(frozen=True)
class PolicyDecision:
    """``draft`` a step of ``kind`` to ``target`` now; ``wait`` until ``at``; ``pending`` while a
    draft waits for the officer; ``stop`` when removed or nothing is left."""

    action: Literal["draft", "wait", "pending", "stop"]
    at: datetime | None = None
    kind: StepKind | None = None
    target: Target | None = None
    reason: str = ""


def next_in_chain(
    chain: Sequence[ChainStep], *, removed: bool, now: datetime, policy: PolicySettings
) -> PolicyDecision:
    """What the chain of one request needs next."""
    if removed:
        return PolicyDecision("stop", reason="content removed")
    if any(s.state in ("draft", "approved") for s in chain):
        return PolicyDecision("pending", reason="a step waits for the officer or the sender")
    sent = [s for s in chain if s.state == "sent" and s.sent_at is not None]
    if not sent:
        return PolicyDecision("stop", reason="nothing sent yet")
    due = max(s.sent_at for s in sent if s.sent_at is not None) + policy.interval
    drafted = {(s.kind, s.target) for s in chain if s.state != "rejected"}
    reminders = sum(1 for s in sent if s.kind == "reminder")
    step: tuple[StepKind, Target] | None = None
    if reminders < policy.escalate_after_reminders:
        step = ("reminder", "site")
    else:
        for target in policy.escalation_targets:
            if ("escalation", target) not in drafted:
                step = ("escalation", target)
                break
        else:
            if policy.refer_to_regulator and ("referral", "regulator") not in drafted:
                step = ("referral", "regulator")
    if step is None:
        return PolicyDecision("stop", reason="every step was taken")
    if now < due:
        return PolicyDecision("wait", at=due, kind=step[0], target=step[1])
    return PolicyDecision("draft", at=now, kind=step[0], target=step[1])


def next_contact_after_bounce(contacts: ContactSet, failed: Collection[str]) -> Contact | None:
    """The first contact, in :data:`BOUNCE_ORDER`, whose address has not bounced or been tried."""
    skip = {a.lower() for a in failed}
    for source in BOUNCE_ORDER:
        for contact in contacts.contacts:
            if contact.source == source and contact.address.lower() not in skip:
                return contact
    return None
