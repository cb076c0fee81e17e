"""The re-notice/escalation chain: reminders, escalations, referral, each once; removal stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from takedown.notices.contacts.model import Contact, ContactSet
from takedown.notices.escalation import (
    ChainStep,
    PolicySettings,
    next_contact_after_bounce,
    next_in_chain,
)

T0 = datetime(2026, 12, 1, tzinfo=UTC)
POLICY = PolicySettings(renotice_seconds=3600, escalate_after_reminders=2)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_full_sequence_each_step_once() -> None:
    chain = [ChainStep("initial", "site", "sent", at(0))]
    seen = []
    hour = 0.0
    for _ in range(10):
        wait = next_in_chain(chain, removed=False, now=at(hour + 0.5), policy=POLICY)
        if wait.action == "stop":
            break
        assert wait.action == "wait" and wait.at == at(hour + 1)
        hour += 1
        step = next_in_chain(chain, removed=False, now=at(hour), policy=POLICY)
        assert step.action == "draft" and step.kind and step.target
        seen.append((step.kind, step.target))
        chain.append(ChainStep(step.kind, step.target, "draft"))
        assert (
            next_in_chain(chain, removed=False, now=at(hour + 5), policy=POLICY).action == "pending"
        )
        chain[-1] = ChainStep(step.kind, step.target, "sent", at(hour))
    assert seen == [
        ("reminder", "site"),
        ("reminder", "site"),
        ("escalation", "host"),
        ("escalation", "cdn"),
        ("escalation", "registrar"),
        ("referral", "regulator"),
    ]
    assert next_in_chain(chain, removed=False, now=at(100), policy=POLICY).action == "stop"


def test_removed_stops_and_nothing_sent_does_nothing() -> None:
    chain = [ChainStep("initial", "site", "sent", at(0))]
    assert next_in_chain(chain, removed=True, now=at(50), policy=POLICY).action == "stop"
    assert (
        next_in_chain(
            [ChainStep("initial", "site", "draft")], removed=False, now=at(50), policy=POLICY
        ).action
        == "pending"
    )
    assert next_in_chain([], removed=False, now=at(50), policy=POLICY).action == "stop"


def test_a_failed_escalation_is_not_drafted_again() -> None:
    chain = [
        ChainStep("initial", "site", "sent", at(0)),
        ChainStep("reminder", "site", "sent", at(1)),
        ChainStep("reminder", "site", "sent", at(2)),
        ChainStep("escalation", "host", "failed", at(3)),
    ]
    step = next_in_chain(chain, removed=False, now=at(5), policy=POLICY)
    assert (step.kind, step.target) == ("escalation", "cdn")


def test_next_contact_after_bounce_in_provenance_order() -> None:
    contacts = ContactSet(
        "site.example",
        (
            Contact("noc@net.example", "rdap-network", "rdap"),
            Contact("abuse@registrar.example", "rdap-registrar", "rdap"),
            Contact(
                "security@site.example",
                "security.txt",
                "https://site.example/.well-known/security.txt",
            ),
            Contact("abuse@site.example", "site", "https://site.example/contact"),
        ),
    )
    order = []
    failed: list[str] = []
    while (c := next_contact_after_bounce(contacts, failed)) is not None:
        order.append(c.address)
        failed.append(c.address.upper())
    assert order == [
        "abuse@site.example",
        "security@site.example",
        "abuse@registrar.example",
        "noc@net.example",
    ]
