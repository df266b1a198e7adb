"""Saved interview setups ("templates"), one user's at a time: the `Store`'s template
methods, kept here so the database module stays about sessions and users."""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable
from typing import Any

from tinydb import Query
from tinydb.table import Table

from mockflow.store.atomic_json import StoreError
from mockflow.store.records import (
    NotFoundError,
    TemplateRecord,
    check_user,
    encode_json,
    from_doc,
    to_doc,
)

MAX_TEMPLATE_BYTES = 32_000

Q = Query()


class TemplateMethods:
    """Mixed into `Store`, which provides the table, the lock and the clock."""

    _templates: Table
    _lock: threading.RLock
    _clock: Callable[[], float]

    def save_template(self, user_id: str, name: str, setup: dict[str, Any]) -> TemplateRecord:
        """Save an interview setup under `name`, replacing this user's one of that name."""
        check_user(user_id)
        name = name.strip()
        if not name or len(name) > 80:
            raise StoreError("A template needs a name of 1 to 80 characters.")
        if len(encode_json(setup, "template")) > MAX_TEMPLATE_BYTES:
            raise StoreError("This template is too large to save (shorten the job description).")
        with self._lock:
            old = self._templates.get((Q.user_id == user_id) & (Q.name == name))
            record = TemplateRecord(
                id=old["id"] if old else "tpl_" + secrets.token_urlsafe(9),
                user_id=user_id,
                name=name,
                setup=copy.deepcopy(setup),
                updated_at=self._clock(),
            )
            self._templates.upsert(to_doc(record), (Q.user_id == user_id) & (Q.name == name))
            return record

    def list_templates(self, user_id: str) -> list[TemplateRecord]:
        """This user's templates in name order."""
        check_user(user_id)
        with self._lock:
            docs = self._templates.search(Q.user_id == user_id)
            return sorted((from_doc(TemplateRecord, d) for d in docs), key=lambda t: t.name)

    def get_template(self, user_id: str, name: str) -> TemplateRecord:
        check_user(user_id)
        with self._lock:
            doc = self._templates.get((Q.user_id == user_id) & (Q.name == name))
            if doc is None:
                raise NotFoundError("Template not found.")
            return from_doc(TemplateRecord, doc)

    def delete_template(self, user_id: str, name: str) -> None:
        check_user(user_id)
        with self._lock:
            if not self._templates.remove((Q.user_id == user_id) & (Q.name == name)):
                raise NotFoundError("Template not found.")
