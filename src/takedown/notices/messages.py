"""The English source strings (gettext msgids) of a deletion request, domain ``notices``.

Placeholders are ``{name}`` (python-brace-format). Extract with
``pybabel extract -k N_ -o notices.pot src/takedown/notices/messages.py``.
"""

from __future__ import annotations


def N_(msgid: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it."""
    return msgid


SUBJECT = N_("Removal request: content published without consent (case {case_ref})")
SUBJECT_REMINDER = N_("Reminder: removal request for content on {site} (case {case_ref})")
SUBJECT_ESCALATION = N_("Escalation: removal request for content on {site} (case {case_ref})")

GREETING = N_("Dear abuse team of {site},")
GREETING_ESCALATION = N_("Dear abuse team,")
INTRO = N_(
    "{center_name}, {center_designation}, requests that you remove the content listed below "
    "from {site}."
)
REMINDER_INTRO = N_(
    "On {first_sent} we asked you to remove the content listed below (case {case_ref}). "
    "It is still available, so we repeat our request."
)
ESCALATION_HOST = N_("We are writing to you as the hosting provider of {site}.")
ESCALATION_NETWORK = N_("We are writing to you as the operator of the network that hosts {site}.")
ESCALATION_REGISTRAR = N_("We are writing to you as the registrar of the domain {site}.")
ESCALATION_INTRO = N_(
    "On {first_sent} we asked the site to remove the content listed below (case {case_ref}). "
    "We have received no answer and the content is still available. Please act on this request "
    "or forward it to your customer without delay."
)

RECIPIENT_LINE = N_("We send this request to {address}, taken from {source}.")
SOURCE_SITE = N_("the site's own contact information ({url})")
SOURCE_SECURITY_TXT = N_("the site's security.txt file ({url})")
SOURCE_RDAP_REGISTRAR = N_("the registrar's abuse contact in the RDAP registry ({url})")
SOURCE_RDAP_NETWORK = N_("the network's abuse contact in the RDAP registry ({url})")

CATEGORY_LINE = N_("Nature of the material: {category}.")
CATEGORY_NCII = N_("intimate images or videos of a person, published without that person's consent")
CATEGORY_COVERT = N_(
    "intimate images or videos of a person, recorded secretly and published without that "
    "person's consent"
)
CATEGORY_SYNTHETIC = N_(
    "intimate images or videos fabricated or altered to depict a real person, published without "
    "that person's consent"
)

CONTENT_HEADING = N_("Content to remove:")
PAGE_LABEL = N_("Page")
FILE_LABEL = N_("File")
EVIDENCE_LABEL = N_("Evidence reference")
NOT_AVAILABLE = N_("not available")
HASH_USE = N_(
    "The SHA-256 and PDQ values identify each file, so that you can also find and remove "
    "identical or near-identical copies on your service."
)
EVIDENCE_NOTE = N_(
    "We have preserved evidence of this content (evidence reference {evidence_refs}, captured "
    "on {captured_at}). It is available to the competent authorities on request."
)

DEADLINE_DATED = N_(
    "Please remove the content and any copies {deadline_phrase} (deadline: {deadline}), and "
    "confirm by replying to this e-mail."
)
DEADLINE_UNDATED = N_(
    "Please remove the content and any copies {deadline_phrase}, and confirm by replying to "
    "this e-mail."
)
GOOD_FAITH = N_(
    "We state in good faith that the content was published without the consent of the person "
    "depicted, and that the information in this request is accurate to the best of our "
    "knowledge."
)
PRIVACY = N_(
    "To protect the person concerned, this request refers to the case only by the reference "
    "{case_ref}. Please treat it confidentially."
)

CONTACT_HEADING = N_("Requesting body and contact details:")
EMAIL_LABEL = N_("E-mail")
PHONE_LABEL = N_("Phone")
ADDRESS_LABEL = N_("Address")
SIGNATURE_INTRO = N_(
    "Signed electronically on behalf of the person concerned, as their authorized representative:"
)
DATE_LABEL = N_("Date")

# Defaults of the ``center_name`` and ``center_designation`` settings: translated when unchanged.
DEFAULT_CENTER_NAME = N_("Digital Sex Crime Victim Support Center")
DEFAULT_CENTER_DESIGNATION = N_(
    "designated reporting body under Article 22-5 of the Telecommunications Business Act"
)

ALL: tuple[str, ...] = tuple(
    value for name, value in sorted(globals().items()) if name.isupper() and isinstance(value, str)
)
