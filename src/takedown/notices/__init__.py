"""Deletion requests: abuse contacts, jurisdiction, drafts in the site's language, sending, follow-up.

Building blocks for the pipeline (no database, no queue here):

- ``contacts.discover.discover_contacts`` / ``cached_contacts``: who to write to, and where each
  address came from (site, security.txt, RDAP registrar, RDAP network).
- ``law.jurisdiction_for``: legal basis, deadline and required elements.
- ``catalog.choose_language`` and ``compose.compose_notice`` / ``compose_reminder`` /
  ``compose_escalation``: the drafts, from gettext catalogues in ``locales/``.
- ``states``: the notice state table; ``send`` / ``channels``: SMTP delivery.
- ``followup.check_removed`` and ``followup.next_step``: re-checks, reminders, escalation.
"""
