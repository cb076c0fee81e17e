"""Reply classification by rules: acknowledged (with a ticket number), removed, refused (with a
reason), more information requested, auto-reply; key phrases in the seven notice languages
(en, ko, ja, zh, es, ru, vi). A rule's answer is a suggestion the officer confirms with one click.

Only the reply's own words count: quoted text (``>`` lines, everything after an "On … wrote:" or
"Original Message" marker) is the center's own request and is cut first.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from takedown.notices.mailbox.parse import IncomingMail


class ReplyClass(enum.StrEnum):
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    MORE_INFO = "more_info"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Classification:
    kind: ReplyClass
    ticket: str | None = None
    reason: str | None = None
    automatic: bool = False
    rule: str = ""


def _rx(*phrases: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)


_REFUSED = _rx(
    r"\b(?:will|can|could|are unable to|cannot|can't|won't|do not|don't)\s+not?\s*(?:remove|take down|delete)",
    r"\b(?:cannot|can't|won't|will not|unable to|decline to|not able to)\s+(?:remove|take (?:it )?down|delete|act)",
    r"\bnot (?:been )?(?:removed|taken down)\b",
    r"\b(?:we )?(?:decline|reject(?:ed)?|refuse[ds]?)\b",
    r"does not violate",
    r"no violation",
    "삭제(?:할 수 없|가 불가|하지 않|를 거부)",
    "거부",
    "위반(?:되지|이) 않",
    "削除(?:できません|いたしかねます|しません)",
    "お断り",
    "違反(?:していない|しておりません)",
    "无法删除",
    "不予删除",
    "拒绝",
    "不违反",
    r"no (?:podemos|vamos a) (?:eliminar|retirar)",
    r"rechaza(?:mos|da)",
    r"no infringe",
    r"не (?:можем|будем) (?:удалить|удалять)",
    r"отказ",
    r"не нарушает",
    r"không thể (?:xóa|gỡ)",
    r"từ chối",
    r"không vi phạm",
)
_REMOVED = _rx(
    r"\b(?:has|have) been (?:removed|taken down|deleted|disabled)\b",
    r"\b(?:was|were|is now) (?:removed|taken down|deleted|disabled)\b",
    r"\bwe (?:have )?(?:removed|deleted|disabled|taken down)\b",
    r"\bno longer (?:available|accessible)\b",
    "삭제(?:되었|했|하였|조치|처리)",
    "삭제 완료",
    "차단(?:되었|했|하였|조치)",
    "削除(?:しました|いたしました|されました|済み|完了)",
    "已(?:被)?删除",
    "已(?:被)?移除",
    "已下架",
    "删除完成",
    r"(?:ha|han) sido (?:eliminad|retirad)",
    r"hemos (?:eliminado|retirado)",
    r"(?:был[аио]?|были) удален",
    r"удален[аоы]?\b",
    r"мы удалили",
    r"đã (?:được )?(?:xóa|gỡ|gỡ bỏ)",
)
_MORE_INFO = _rx(
    r"\b(?:please|kindly) (?:provide|send|specify|clarify|confirm)\b",
    r"\bmore (?:information|details)\b",
    r"\badditional (?:information|details)\b",
    r"\bneed (?:the|more|additional|a)\b.{0,40}\b(?:url|link|information|proof)",
    "추가 (?:정보|자료)",
    "(?:정보|자료)를 (?:제공|보내)",
    "알려 ?주시기",
    "追加の情報",
    "詳細を(?:お知らせ|ご提供)",
    "ご提供ください",
    "(?:更多|补充|进一步)(?:信息|资料)",
    "请提供",
    r"m[aá]s informaci[oó]n",
    r"informaci[oó]n adicional",
    r"por favor,? (?:proporcione|env[ií]e)",
    r"дополнительн\w+ (?:информаци|сведени)",
    r"просим (?:предоставить|уточнить)",
    r"пожалуйста,? (?:предоставьте|укажите)",
    r"thêm thông tin",
    r"vui lòng cung cấp",
)
_ACK = _rx(
    r"\b(?:received|receipt of) your (?:report|request|complaint|notice|email|message)\b",
    r"\bwe (?:have )?received\b",
    r"\b(?:thank you|thanks) for (?:your|the) (?:report|request|notice)\b",
    r"\b(?:ticket|case|request|reference)\s*(?:number|no\.?|id|#)",
    r"\bwill (?:review|investigate|look into)\b",
    "접수(?:되었|했|하였|번호)",
    "검토(?:하겠|할 예정|중)",
    "受け付け(?:ました|いたしました)",
    "受付番号",
    "確認いたします",
    "已(?:收到|受理)",
    "工单号",
    "受理编号",
    "我们将(?:审核|处理)",
    r"hemos recibido",
    r"n[uú]mero de (?:ticket|caso|solicitud)",
    r"revisaremos",
    r"(?:мы )?получили ваш",
    r"номер (?:заявки|обращения|тикета)",
    r"рассмотрим",
    r"đã nhận được",
    r"mã (?:yêu cầu|phiếu|hồ sơ)",
    r"sẽ xem xét",
)
_TICKET = re.compile(
    r"(?:ticket|case|request|reference|incident|report|tracking)\s*(?:number|no\.?|id|#)?\s*[:#]?\s*"
    r"(?P<a>#?[A-Z0-9][A-Z0-9-]{2,39})"
    r"|\[\s*#\s*(?P<b>[A-Z0-9-]{3,40})\s*\]"
    r"|(?:접수번호|受付番号|工单号|受理编号|编号|número de (?:ticket|caso|solicitud)|"
    r"номер (?:заявки|обращения|тикета)|mã (?:yêu cầu|phiếu|hồ sơ))\s*[:：#]?\s*(?P<c>[A-Z0-9][A-Z0-9-]{2,39})",
    re.IGNORECASE,
)
_QUOTE_START = re.compile(
    r"^(?:On .{0,200} wrote:|-{2,} ?Original Message ?-{2,}|-{2,} ?Forwarded message|From: .+|"
    r"보낸 사람:|差出人:|发件人:|De: .+|От: .+|Từ: .+|.{0,200}님이 작성:|.{0,200}写道[:：])\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_OUR_REFERENCE = re.compile(r"TD-[A-Z2-7]{10}")


def own_words(text: str) -> str:
    """The reply without the quoted request."""
    cut = _QUOTE_START.search(text)
    head = text[: cut.start()] if cut else text
    return "\n".join(line for line in head.splitlines() if not line.lstrip().startswith(">"))


def is_automatic(mail: IncomingMail) -> bool:
    auto = mail.header("auto-submitted").lower()
    if auto and auto != "no":
        return True
    if (
        mail.header("x-autoreply")
        or mail.header("x-autorespond")
        or mail.header("x-auto-response-suppress")
    ):
        return True
    return mail.header("precedence").lower() in {"auto_reply", "bulk", "junk", "list"}


def _ticket(text: str) -> str | None:
    for found in _TICKET.finditer(text):
        value = (found.group("a") or found.group("b") or found.group("c") or "").lstrip("#")
        # our own reference quoted back, or a word such as "number", is not the site's ticket
        if value and not _OUR_REFERENCE.fullmatch(value) and any(ch.isdigit() for ch in value):
            return value
    return None


def _sentence(text: str, match: re.Match[str]) -> str:
    start = max(text.rfind("\n", 0, match.start()), text.rfind(". ", 0, match.start()))
    end_candidates = [
        i for i in (text.find("\n", match.end()), text.find(". ", match.end())) if i >= 0
    ]
    end = min(end_candidates) if end_candidates else len(text)
    return text[start + 1 : end + 1].strip()[:500]


def classify_reply(mail: IncomingMail) -> Classification:
    """The rule-based class of a reply that is not a bounce."""
    automatic = is_automatic(mail)
    text = own_words(f"{mail.subject}\n{mail.text}")
    ticket = _ticket(text)
    for kind, pattern in (
        (ReplyClass.REFUSED, _REFUSED),
        (ReplyClass.REMOVED, _REMOVED),
        (ReplyClass.MORE_INFO, _MORE_INFO),
        (ReplyClass.ACKNOWLEDGED, _ACK),
    ):
        found = pattern.search(text)
        if found:
            reason = (
                _sentence(text, found)
                if kind in (ReplyClass.REFUSED, ReplyClass.MORE_INFO)
                else None
            )
            return Classification(kind, ticket, reason, automatic, rule=found.group(0))
    if ticket:
        return Classification(ReplyClass.ACKNOWLEDGED, ticket, None, automatic, rule="ticket")
    if automatic:
        return Classification(ReplyClass.AUTO_REPLY, None, None, True, rule="headers")
    return Classification(ReplyClass.UNKNOWN, None, None, False)
