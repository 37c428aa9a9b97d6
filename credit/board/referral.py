"""A message turned into a tip-off or a supervision case by staff, with the link kept on
the message. The existing services file them (``credit.tipoffs.filing.file_tipoff``,
``credit.supervision.creation.create_case``); the new report is anonymous: the board
collects no identity and the message's pseudonym is not carried over."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.audit import audit
from core.errors import Conflict
from core.messages import msg
from core.users import User
from credit.board.models import BoardMessage
from credit.board.moderation import get_message
from credit.board.personal_data import personal_data
from credit.supervision.creation import CaseInput, create_case
from credit.supervision.models import SupervisionCase
from credit.tipoffs.filing import TipOffInput, file_tipoff
from credit.tipoffs.models import TipOff

#: a message may be referred once moderated clean (pending without personal data, or published)
REFERABLE = ("pending", "published")


def _referable(session: Session, user: User, message_id: int) -> BoardMessage:
    message = get_message(session, user, message_id, lock=True)
    if message.status not in REFERABLE or personal_data(message.body):
        raise Conflict(msg("只有未含个人信息且未被驳回的留言可以转办"))
    return message


def refer_to_tipoff(
    session: Session, user: User, message_id: int, *, category: str, location: str
) -> TipOff:
    """File the message as an anonymous tip-off of the message's region."""
    message = _referable(session, user, message_id)
    if message.tipoff_id is not None:
        raise Conflict(msg("该留言已转为举报"))
    data = TipOffInput(
        category=category,
        description=message.body,
        location=location,
        region_code=message.region_code,
        anonymous=True,
    )
    tipoff = file_tipoff(session, data).tipoff
    message.tipoff_id = tipoff.id
    audit(
        session,
        f"user:{user.id}",
        "board.refer_tipoff",
        f"message:{message.id}",
        {"tipoff": tipoff.id},
    )
    return tipoff


def refer_to_case(
    session: Session, user: User, message_id: int, *, case_class: str
) -> SupervisionCase:
    """Open a supervision case (origin 'regulator') from the message, in its region."""
    message = _referable(session, user, message_id)
    if message.case_id is not None:
        raise Conflict(msg("该留言已立为问题线索"))
    data = CaseInput(
        origin="regulator",
        case_class=case_class,
        description=message.body,
        region_code=message.region_code,
    )
    case = create_case(session, user, data)
    message.case_id = case.id
    audit(
        session, f"user:{user.id}", "board.refer_case", f"message:{message.id}", {"case": case.id}
    )
    return case
