"""'Delete my data' after a recovery of a damaged database, on the real app's data folder:
a visitor with saved keys runs an interview through the public API; the database is
damaged and the restarted app recovers it (the damaged file kept aside); the visitor's
data is deleted (`Vault.delete_user_data`, what Settings' "Delete my data" and the
retention of idle visitors call). Then no file under the data folder holds their id,
name, resume or key, and no vault token in any file decrypts to their key with the
server's own `secret.key`."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet, InvalidToken
from gradio_client import Client

from mockflow.app.identity import AnonymousCredentials
from mockflow.config import Settings
from mockflow.contracts.ids import new_browser_id
from mockflow.store.db import Store
from mockflow.store.vault import SECRET_KEY_FILE, ProviderKeys, Vault
from tests.app_process import AppProcess
from tests.fakes.interviewer_script import ScriptedInterviewer
from tests.fakes.openai_server import FakeOpenAI

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
LEAVER_KEY = "sk-leaver-private-key-31415926"
STAYER_KEY = "sk-stayer-private-key-27182818"
NAME = "Zelda Quokka"
RESUME = "Zelda led the RESUME-MARKER-7731 billing migration at Quokka Corp."
TOKEN = re.compile(rb"gAAAAA[A-Za-z0-9_\-]*=*")


def _public_app(data_dir: Path, llm: FakeOpenAI) -> AppProcess:
    return AppProcess(
        data_dir,
        {
            "MOCKFLOW_PUBLIC": "1",
            "MOCKFLOW_STAGE_SCALE": "0.05",
            "MOCKFLOW_READY_TIMEOUT": "90",  # a loaded machine starts slowly
            "MOCKFLOW_ALLOWED_PROVIDER_HOSTS": urlsplit(llm.base_url).netloc,
        },
    )


def _interview(app: AppProcess, token: str) -> str:
    client = Client(app.url, verbose=False)
    started = client.predict(
        name=NAME, role="Backend Engineer", resume_text=RESUME, user_token=token,
        api_name="/start_interview",
    )  # fmt: skip
    session_id = started["session_id"]
    offset, ended = 0, False
    deadline = time.monotonic() + 90
    while not ended and time.monotonic() < deadline:
        polled = client.predict(session_id, offset, token, api_name="/poll")
        offset, ended = polled["offset"], polled["ended"]
        turns = [e for e in polled["events"] if e["type"] == "turn"]
        if turns and turns[-1]["role"] == "interviewer" and not ended:
            answer = f"As {NAME} I cut the errors by half."
            client.predict(session_id, answer, token, api_name="/send_answer")
        time.sleep(0.2)
    assert ended
    client.predict(session_id, token, api_name="/get_report")
    return session_id


def _files(data_dir: Path) -> list[Path]:
    return [p for p in data_dir.rglob("*") if p.is_file()]


def test_delete_my_data_reaches_the_damaged_copy_and_every_other(tmp_path):
    llm = FakeOpenAI(responder=ScriptedInterviewer(answers_per_stage=1))
    llm.start_in_thread()
    settings = Settings(data_dir=tmp_path)
    store = Store.open(settings)
    vault = Vault.open(settings, store)
    leaver, stayer = new_browser_id(), new_browser_id()
    for user, key in ((leaver, LEAVER_KEY), (stayer, STAYER_KEY)):
        vault.save_keys(user, ProviderKeys(openai_api_key=key, openai_base_url=llm.base_url))
    token = AnonymousCredentials(vault.derive_key("anonymous-credentials")).issue(leaver)
    store.close()
    try:
        app = _public_app(tmp_path, llm)
        try:
            session_id = _interview(app, token)
        finally:
            app.stop()
        db = tmp_path / "mockflow.json"
        db.write_bytes(db.read_bytes() + b"\x00 a torn write")  # damaged: no longer JSON
        app = _public_app(tmp_path, llm)  # recovers at start
        try:
            assert app.health()["recovery"]["kind"] == "copy"
        finally:
            app.stop()
    finally:
        llm.stop_thread()
    damaged = sorted(tmp_path.glob("mockflow.json.corrupt-*"))
    assert len(damaged) == 1
    assert leaver.encode() in damaged[0].read_bytes()  # it held the visitor's records...
    assert not TOKEN.search(damaged[0].read_bytes())  # ...but no key since the recovery
    assert (tmp_path / "sessions" / session_id / "meta.json").is_file()

    store = Store.open(settings)
    Vault.open(settings, store).delete_user_data(leaver)
    store.close()

    # app.log is this test's capture of the app's console (an operator's log, where the
    # house rule allows ids): it is searched for everything but the id
    for path in _files(tmp_path):
        raw = path.read_bytes()
        needles = [NAME, "RESUME-MARKER-7731", LEAVER_KEY]
        needles += [] if path.name == "app.log" else [leaver, session_id]
        for needle in needles:
            assert needle.encode() not in raw, f"{needle!r} left in {path.relative_to(tmp_path)}"
    fernet = Fernet((tmp_path / SECRET_KEY_FILE).read_bytes().strip())
    opened = []
    for path in _files(tmp_path):
        for found in TOKEN.findall(path.read_bytes()):
            try:
                opened.append(fernet.decrypt(found))
            except InvalidToken:
                continue
    assert not any(LEAVER_KEY.encode() in plain for plain in opened)
    assert any(STAYER_KEY.encode() in plain for plain in opened)  # the other visitor's stay
