"""Coaches' practice links (issue 16), the `Store`'s methods for them: who is a coach,
the link a coach creates, and the interviews started through it (its quotas count
these). The reports candidates share are `practice_shares`.

Every rule is enforced here, whoever calls:
- a link is found by its unguessable id (128 random bits) only; an unknown, malformed or
  expired id gets the same `PracticeLinkNotFoundError`, so outsiders learn nothing;
- a coach reads, changes and counts only their own links, and reads only the reports
  shared on them (anything else is "not found", as for a missing record);
- an interview starts through a link only while the link is live and every quota has
  room, checked and recorded in one step under the store's lock, with the minutes it
  is granted (`grant_minutes`): the interviews running at once never hold more than
  the link's total; an interview's measured minutes replace its grant when it ends;
- deleting a candidate's data removes their shares and their id from the link's usage.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinydb import Query
from tinydb.table import Table

from mockflow.contracts.events import USAGE_FIELDS
from mockflow.store.atomic_json import StoreError
from mockflow.store.records import NotFoundError, check_user, encode_json, from_doc, to_doc

LINK_PREFIX = "pl_"
_LINK_ID = re.compile(r"pl_[A-Za-z0-9_-]{22}")
MAX_QUESTIONS = 10
MAX_QUESTION_CHARS = 300
MAX_LINK_BYTES = 48_000
MAX_LIFETIME_SECONDS = 366 * 86400
DAY = 86400
MIN_GRANT = 1.0  # minutes: an interview granted less is not started
NOT_FOUND = "This practice link does not exist."
Q = Query()


class PracticeLinkNotFoundError(NotFoundError):
    """Unknown, malformed or expired: a visitor is told the same in each case."""


class PracticeQuotaError(StoreError):
    """The link is live but one of its quotas has no room left."""


@dataclass(frozen=True)
class PracticeLink:
    """What a coach set: the interview (locked for the candidate) and its limits."""

    id: str
    coach_id: str
    title: str
    setup: dict[str, Any]  # role, level, track, length, job_description
    questions: list[str]
    focus_notes: str
    modes: list[str]  # "text", "voice" or both
    sponsored: bool  # the coach's keys pay for the interviews
    expires_at: float
    created_at: float
    max_interviews: int | None = None
    max_minutes_per_interview: int | None = None
    max_total_minutes: int | None = None
    max_per_candidate_per_day: int | None = None
    usage: dict[str, Any] = field(default_factory=dict)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_link_id(value: object) -> bool:
    return isinstance(value, str) and _LINK_ID.fullmatch(value) is not None


def _positive(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise StoreError(f"{name} must be a whole number of at least 1.")
    return value


def _questions(questions: list[str]) -> list[str]:
    kept = [q.strip() for q in questions if q and q.strip()]
    if len(kept) > MAX_QUESTIONS:
        raise StoreError(f"A practice link can carry at most {MAX_QUESTIONS} questions.")
    if any(len(q) > MAX_QUESTION_CHARS for q in kept):
        raise StoreError(f"Each question must be at most {MAX_QUESTION_CHARS} characters.")
    return kept


def grant_minutes(
    link: PracticeLink, uses: Sequence[Mapping[str, Any]], min_minutes: float = MIN_GRANT
) -> float | None:
    """The minutes a new interview through `link` may run: the per-interview limit, or
    what is left of the link's total once the minutes used (`minutes`) and those granted
    to interviews still running (`granted_minutes` of a use with no `minutes` yet) are
    taken off, whichever is less. None: the link limits no minutes. Less than
    `min_minutes` is refused (`PracticeQuotaError`)."""
    limits: list[float] = []
    if link.max_minutes_per_interview is not None:
        limits.append(float(link.max_minutes_per_interview))
    if link.max_total_minutes is not None:
        used = sum(u["minutes"] or 0 for u in uses if u.get("minutes") is not None)
        if link.max_total_minutes - used < min_minutes:
            raise PracticeQuotaError("This practice link has used all its minutes.")
        held = sum(u.get("granted_minutes") or 0 for u in uses if u.get("minutes") is None)
        limits.append(link.max_total_minutes - used - held)
    if not limits:
        return None
    granted = round(min(limits), 2)
    if granted < min_minutes:
        raise PracticeQuotaError(
            "This practice link's remaining minutes are held by interviews running now. "
            "Please try again when one of them has ended."
        )
    return granted


class PracticeLinkMethods:
    """Mixed into `Store`, which provides the tables, the lock and the clock."""

    _links: Table
    _link_uses: Table
    _shares: Table
    _users: Table
    _invites: Table
    _lock: threading.RLock
    _clock: Callable[[], float]
    sessions_dir: Path

    def _session_doc(self, user_id: str, session_id: str) -> Any: ...  # the Store's

    def ensure_user(self, user_id: str) -> None: ...  # the Store's

    # who is a coach (public mode: whoever redeems the one-time invite printed at start)

    def invite_coach(self) -> str:
        """A new one-time coach invite; only its hash is kept (replacing any earlier one)."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._invites.truncate()
            self._invites.insert({"hash": _hash(token), "created_at": self._clock()})
        return token

    def redeem_coach_invite(self, user_id: str, token: str) -> bool:
        """Make `user_id` a coach if `token` is the live invite; it then stops working."""
        check_user(user_id)
        if not token:
            return False
        with self._lock:
            invites = self._invites.all()
            if not invites or not hmac.compare_digest(invites[0]["hash"], _hash(token)):
                return False
            self._invites.truncate()
            self.ensure_user(user_id)
            self._users.update({"coach": True}, Q.user_id == user_id)
            return True

    def is_coach(self, user_id: str) -> bool:
        check_user(user_id)
        with self._lock:
            return self._users.contains((Q.user_id == user_id) & (Q.coach == True))  # noqa: E712

    # the coach's side

    def create_practice_link(
        self,
        user_id: str,
        *,
        title: str,
        setup: dict[str, Any],
        expires_at: float,
        questions: list[str] | None = None,
        focus_notes: str = "",
        modes: list[str] | None = None,
        sponsored: bool = False,
        max_interviews: int | None = None,
        max_minutes_per_interview: int | None = None,
        max_total_minutes: int | None = None,
        max_per_candidate_per_day: int | None = None,
    ) -> PracticeLink:
        check_user(user_id)
        title = title.strip()
        if not title or len(title) > 80:
            raise StoreError("A practice link needs a title of 1 to 80 characters.")
        now = self._clock()
        if not now < expires_at <= now + MAX_LIFETIME_SECONDS:
            raise StoreError("The expiry must be in the future and within a year.")
        modes = sorted(set(modes or ["text"]))
        if not modes or not set(modes) <= {"text", "voice"}:
            raise StoreError('Modes are "text", "voice" or both.')
        link = PracticeLink(
            id=LINK_PREFIX + secrets.token_urlsafe(16),
            coach_id=user_id,
            title=title,
            setup=copy.deepcopy(setup),
            questions=_questions(questions or []),
            focus_notes=focus_notes.strip()[:2000],
            modes=modes,
            sponsored=bool(sponsored),
            expires_at=float(expires_at),
            created_at=now,
            max_interviews=_positive("Interviews per link", max_interviews),
            max_minutes_per_interview=_positive("Minutes per interview", max_minutes_per_interview),
            max_total_minutes=_positive("Total minutes", max_total_minutes),
            max_per_candidate_per_day=_positive(
                "Interviews per candidate per day", max_per_candidate_per_day
            ),
        )
        doc = to_doc(link)
        if len(encode_json(doc, "practice link")) > MAX_LINK_BYTES:
            raise StoreError("This practice link is too large (shorten the job description).")
        with self._lock:
            self._links.insert(doc)
        return link

    def coach_links(self, user_id: str) -> list[PracticeLink]:
        """The coach's own links, newest first, each with its usage."""
        check_user(user_id)
        with self._lock:
            docs = sorted(self._links.search(Q.coach_id == user_id), key=lambda d: -d["created_at"])
            return [self._with_usage(from_doc(PracticeLink, d)) for d in docs]

    def coach_link(self, user_id: str, link_id: str) -> PracticeLink:
        check_user(user_id)
        with self._lock:
            doc = self._links.get((Q.id == link_id) & (Q.coach_id == user_id))
            if doc is None:
                raise NotFoundError("Practice link not found.")
            return self._with_usage(from_doc(PracticeLink, doc))

    def delete_practice_link(self, user_id: str, link_id: str) -> None:
        """The link, its usage and every report shared on it (the candidates keep theirs)."""
        self.coach_link(user_id, link_id)
        with self._lock:
            self._links.remove(Q.id == link_id)
            self._link_uses.remove(Q.link_id == link_id)
            self._shares.remove(Q.link_id == link_id)

    def set_coach(self, user_id: str, coach: bool) -> None:
        """A signed-in account's coach status, as the operator's list says (a Space)."""
        check_user(user_id)
        with self._lock:
            self.ensure_user(user_id)
            self._users.update({"coach": bool(coach)}, Q.user_id == user_id)

    def forget_practice_coach(self, user_id: str) -> None:
        """For "Delete my data" of a coach: their links, with usage and shares, go."""
        with self._lock:
            for doc in self._links.search(Q.coach_id == user_id):
                self._link_uses.remove(Q.link_id == doc["id"])
                self._shares.remove(Q.link_id == doc["id"])
            self._links.remove(Q.coach_id == user_id)

    # a visitor's side

    def practice_link(self, link_id: str) -> PracticeLink:
        """A live link for a visitor; unknown, malformed and expired look the same."""
        if not is_link_id(link_id):
            raise PracticeLinkNotFoundError(NOT_FOUND)
        with self._lock:
            doc = self._links.get(Q.id == link_id)
        if doc is None or doc["expires_at"] <= self._clock():
            raise PracticeLinkNotFoundError(NOT_FOUND)
        return from_doc(PracticeLink, doc)

    def reserve_practice_interview(
        self, user_id: str, link_id: str, session_id: str, *, min_minutes: float = MIN_GRANT
    ) -> float | None:
        """Count the candidate's new interview against the link's quotas and grant it its
        minutes (returned; None: the link limits no minutes), or refuse with the reason.
        The grant is held until the interview's measured minutes replace it."""
        with self._lock:
            self._session_doc(user_id, session_id)  # theirs, or "not found"
            link = self.practice_link(link_id)
            uses = self._link_uses.search(Q.link_id == link_id)
            now = self._clock()
            if link.max_interviews is not None and len(uses) >= link.max_interviews:
                raise PracticeQuotaError("This practice link has no interviews left.")
            granted = grant_minutes(link, uses, min_minutes)
            today = [
                u for u in uses if u["candidate_id"] == user_id and now - u["started_at"] < DAY
            ]
            daily = link.max_per_candidate_per_day
            if daily is not None and len(today) >= daily:
                raise PracticeQuotaError(
                    f"You have had {len(today)} interview(s) through this link today, its "
                    "daily limit. Please try again tomorrow."
                )
            self._link_uses.insert(
                {
                    "link_id": link_id,
                    "candidate_id": user_id,
                    "session_id": session_id,
                    "started_at": now,
                    "minutes": None,
                    "granted_minutes": granted,
                }
            )
            return granted

    def record_practice_minutes(
        self,
        user_id: str,
        session_id: str,
        minutes: float,
        provider_usage: dict[str, Any] | None = None,
    ) -> None:
        """The measured length of the candidate's interview started through a link, and
        what its providers were used for (the agent's `usage` figures)."""
        figures = {k: v for k, v in (provider_usage or {}).items() if k in USAGE_FIELDS}
        with self._lock:
            self._session_doc(user_id, session_id)
            self._link_uses.update(
                {"minutes": round(float(minutes), 2), "provider_usage": figures},
                Q.session_id == session_id,
            )

    def practice_use(self, user_id: str, session_id: str) -> PracticeLink | None:
        """The link the candidate's interview was started through (None: not through one,
        or the coach has deleted the link)."""
        check_user(user_id)
        with self._lock:
            use = self._link_uses.get((Q.session_id == session_id) & (Q.candidate_id == user_id))
            doc = self._links.get(Q.id == use["link_id"]) if use else None
        return from_doc(PracticeLink, doc) if doc else None

    def spend_practice_scoring(self, user_id: str, session_id: str, limit: int) -> bool:
        """Count one scoring run of the candidate's link interview on the coach's keys;
        False once `limit` runs were spent (the candidate's own keys may still be used)."""
        check_user(user_id)
        with self._lock:
            use = self._link_uses.get((Q.session_id == session_id) & (Q.candidate_id == user_id))
            if use is None or (use.get("scorings") or 0) >= limit:
                return False
            self._link_uses.update(
                {"scorings": (use.get("scorings") or 0) + 1}, doc_ids=[use.doc_id]
            )
            return True

    def forget_practice_candidate(self, user_id: str) -> None:
        """For "Delete my data": the candidate's shares go; the link's usage keeps its
        counts (the quotas were spent) without the candidate's id."""
        with self._lock:
            self._shares.remove(Q.candidate_id == user_id)
            self._link_uses.update(
                {"candidate_id": "deleted", "session_id": None}, Q.candidate_id == user_id
            )

    def _with_usage(self, link: PracticeLink) -> PracticeLink:
        uses = self._link_uses.search(Q.link_id == link.id)
        usage: dict[str, Any] = {
            "interviews": len(uses),
            "minutes": round(sum(u.get("minutes") or 0 for u in uses), 1),
            "shared_reports": self._shares.count(Q.link_id == link.id),
        }
        for name in USAGE_FIELDS:  # None: no interview reported it (text has no speech)
            reported = [
                u["provider_usage"][name]
                for u in uses
                if isinstance((u.get("provider_usage") or {}).get(name), int | float)
            ]
            usage[name] = round(sum(reported), 1) if reported else None
        return PracticeLink(**{**to_doc(link), "usage": usage})
