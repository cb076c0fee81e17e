"""The English source strings (gettext msgids) of a deletion request, domain ``notices``.

Placeholders are ``{name}`` (python-brace-format). Extract with
``pybabel extract -k N_ -o notices.pot src/takedown/notices/messages.py``. A translation never
puts a particle that depends on the preceding sound (Korean 은/는, 이/가, 을/를, (으)로...) right
after a placeholder: ``scripts/lint_catalogues.py`` refuses it.
"""

from __future__ import annotations


def N_(msgid: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it."""
    return msgid


SUBJECT = N_("Removal request {reference}: content published without consent on {site}")
SUBJECT_MINOR = N_(
    "Urgent removal request {reference}: material on {site} that appears to depict a minor"
)
SUBJECT_REMINDER = N_("Reminder {reference}: removal request for content on {site}")
SUBJECT_ESCALATION = N_("Removal request {reference} concerning content on {site}")
SUBJECT_REFERRAL = N_("Referral {reference}: request for deliberation of content on {site}")

GREETING = N_("Dear {site} team,")
GREETING_ESCALATION = N_("Dear Sir or Madam,")
INTRO = N_(
    "We, {center_name} ({center_designation}), ask you to remove the content listed below "
    "from {site}."
)
REMINDER_INTRO = N_(
    "On {first_sent} we asked you to remove the content listed below. It is still available, "
    "so we repeat our request."
)
ESCALATION_HOST = N_("We write to you as the hosting provider of {site}.")
ESCALATION_NETWORK = N_(
    "We write to you as the operator of the network to which the address of {site} belongs."
)
ESCALATION_REGISTRAR = N_("We write to you as the registrar of the domain {site}.")
ESCALATION_CDN = N_(
    "We write to you as the content delivery network that serves {site}. The origin host is "
    "being asked separately."
)
ESCALATION_INTRO = N_(
    "On {first_sent} we asked the site to remove the content listed below. We have received no "
    "answer and the content is still available. Please remove it, or have the operator of the "
    "site remove it, without delay."
)

RECIPIENT_LINE = N_("This request is addressed to {address}: {source}.")
SOURCE_SITE = N_("the contact address that the site publishes ({url})")
SOURCE_SECURITY_TXT = N_("the contact that the site publishes in its security.txt file ({url})")
SOURCE_RDAP_REGISTRAR = N_(
    "the abuse contact of the domain's registrar in the RDAP registration data ({url})"
)
SOURCE_RDAP_NETWORK = N_(
    "the abuse contact of the network hosting the site, in the RDAP registration data ({url})"
)
SOURCE_WHOIS_REGISTRAR = N_("the abuse contact in the WHOIS record of the domain ({url})")
SOURCE_WHOIS_NETWORK = N_(
    "the abuse contact in the WHOIS record of the network hosting the site ({url})"
)
SOURCE_CDN = N_("the abuse contact of the content delivery network that serves the site ({url})")
SOURCE_MANUAL = N_("the address chosen by our officer ({url})")

CATEGORY_LINE = N_("Nature of the material: {category}.")
CATEGORY_NCII = N_("sexual images or videos of a person, published without that person's consent")
CATEGORY_COVERT = N_(
    "sexual images or videos of a person, recorded without that person's knowledge and "
    "published without consent"
)
CATEGORY_SYNTHETIC = N_(
    "sexual images or videos fabricated or altered to depict a real person, published without "
    "that person's consent"
)
CATEGORY_CSEM = N_("sexual exploitation material that appears to depict a minor")

CONTENT_HEADING = N_("Content to remove:")
PAGE_LABEL = N_("Page")
FILE_LABEL = N_("File")
EVIDENCE_LABEL = N_("Evidence")
NOT_AVAILABLE = N_("not available")
CAPTURED = N_(
    "preserved as {evidence_ref}, captured on {captured_utc} ({captured_local}, the site's "
    "local time)"
)
NOT_CAPTURED = N_(
    "no evidence copy could be made of this page; we saw the content there on {seen_utc} "
    "({seen_local}, the site's local time)"
)
HASH_USE = N_(
    "The SHA-256 and PDQ values identify each file, so that you can also find and remove "
    "identical or near-identical copies on your service."
)
EVIDENCE_NOTE = N_(
    "We keep the evidence listed above; it is available to the competent authorities on request."
)

DEADLINE_DATED = N_(
    "Please remove the content and any copies {deadline_phrase} (by {deadline}), and confirm "
    "this by replying to this e-mail."
)
DEADLINE_UNDATED = N_(
    "Please remove the content and any copies {deadline_phrase}, and confirm this by replying "
    "to this e-mail."
)
GOOD_FAITH = N_(
    "We state in good faith that the content was published without the consent of the person "
    "concerned and that, to the best of our knowledge, the information in this request is "
    "accurate."
)
GOOD_FAITH_MINOR = N_(
    "We state in good faith that, to the best of our knowledge, the information in this request "
    "is accurate."
)
REFERENCE = N_(
    "Our reference for this request is {reference}. Please quote it in your reply; it refers to "
    "this request only."
)
NO_FORWARD = N_(
    "To protect the person concerned, please do not forward this request, our details or the "
    "reference to the person who uploaded the content, and treat this request as confidential."
)

CONTACT_HEADING = N_("Requesting body and contact details:")
EMAIL_LABEL = N_("E-mail")
PHONE_LABEL = N_("Phone")
ADDRESS_LABEL = N_("Address")
SIGNATURE_INTRO = N_(
    "Signed electronically on behalf of the person concerned, as their authorized representative:"
)
SIGNATURE_INTRO_MINOR = N_("Signed electronically:")
DATE_LABEL = N_("Date")

REFERRAL_GREETING = N_("To the Korea Communications Standards Commission,")
REFERRAL_INTRO = N_(
    "We, {center_name} ({center_designation}), refer to the Commission the content listed "
    "below, published on {site}, and ask for its deliberation and for a correction order "
    "(deletion or blocking of access)."
)
REFERRAL_HISTORY = N_(
    "We asked the site to remove the content on {first_sent}, and then its host and registrar. "
    "The content was still available when last checked on {last_checked}."
)
REFERRAL_BUNDLE = N_(
    "The evidence bundle of each page, named by its evidence reference above, is attached to "
    "this referral."
)

ALL: tuple[str, ...] = tuple(
    value for name, value in sorted(globals().items()) if name.isupper() and isinstance(value, str)
)
