"""Key checks against loopback fakes that speak the real provider protocols."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest

from mockflow.app.keys import (
    KeyCheck,
    KeyStatus,
    check_all,
    check_deepgram,
    check_livekit,
    check_openai,
)
from mockflow.config import EnvKeys, Settings
from mockflow.net.guard import REFUSED, NetGuard
from mockflow.store.vault import ProviderKeys, ResolvedKeys
from mockflow.ui.tabs import settings as settings_tab
from tests.fakes.provider_apis import (
    FakeDeepgram,
    FakeLiveKit,
    FakeOpenAIModels,
    closed_port_url,
    serve,
    serve_at,
)

pytestmark = pytest.mark.integration

OPENAI = FakeOpenAIModels().api_key
DEEPGRAM = FakeDeepgram().api_key
LK = FakeLiveKit()
WRONG = "sk-wrong-key-that-must-never-be-shown-9999"


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    for secret in (OPENAI, DEEPGRAM, LK.api_secret, WRONG):
        assert secret not in caplog.text


def assert_safe(check: KeyCheck, *secrets: str) -> None:
    assert check.message
    for secret in (*secrets, OPENAI, DEEPGRAM, LK.api_secret, WRONG):
        assert secret not in check.message


# OpenAI-compatible


async def test_openai_valid_key():
    async with serve(FakeOpenAIModels().app()) as base:
        check = await check_openai(OPENAI, f"{base}/v1", model="gpt-4o-mini")
    assert check.status is KeyStatus.VALID and check.ok
    assert_safe(check)


async def test_openai_valid_key_but_model_not_listed_is_a_warning():
    async with serve(FakeOpenAIModels().app()) as base:
        check = await check_openai(OPENAI, f"{base}/v1", model="gpt-9")
    assert check.status is KeyStatus.MODEL_UNLISTED and check.ok  # usable, with a warning
    assert "gpt-9" in check.message


async def test_openai_wrong_key_is_rejected():
    async with serve(FakeOpenAIModels().app()) as base:
        check = await check_openai(WRONG, f"{base}/v1")
    assert check.status is KeyStatus.REJECTED
    assert "401" in check.message
    assert_safe(check)


async def test_openai_out_of_credit_is_quota_exhausted():
    async with serve(FakeOpenAIModels(out_of_credit=True).app()) as base:
        check = await check_openai(OPENAI, f"{base}/v1")
    assert check.status is KeyStatus.QUOTA_EXHAUSTED
    assert_safe(check)


async def test_openai_base_url_without_v1_is_wrong_url():
    async with serve(FakeOpenAIModels().app()) as base:
        check = await check_openai(OPENAI, base)  # forgot the /v1
    assert check.status is KeyStatus.WRONG_URL
    assert f"127.0.0.1:{_port(base)}" in check.message  # host and port: which server it was


async def test_openai_unreachable_server():
    check = await check_openai(OPENAI, f"{closed_port_url()}/v1", timeout=2)
    assert check.status is KeyStatus.UNREACHABLE
    assert_safe(check)


async def test_openai_slow_server_times_out_as_unreachable():
    async with serve(FakeOpenAIModels(delay=3).app()) as base:
        check = await check_openai(OPENAI, f"{base}/v1", timeout=0.3)
    assert check.status is KeyStatus.UNREACHABLE


async def test_openai_url_without_scheme_is_wrong_url():
    check = await check_openai(OPENAI, "localhost:11434/v1")
    assert check.status is KeyStatus.WRONG_URL


async def test_openai_missing_key_is_not_set():
    check = await check_openai(None)
    assert check.status is KeyStatus.NOT_SET


# Deepgram


async def test_deepgram_valid_key():
    fake = FakeDeepgram()
    async with serve(fake.app()) as base:
        check = await check_deepgram(DEEPGRAM, base_url=base)
    assert check.status is KeyStatus.VALID
    assert fake.hits == 1


async def test_deepgram_wrong_key_is_rejected():
    async with serve(FakeDeepgram().app()) as base:
        check = await check_deepgram(WRONG, base_url=base)
    assert check.status is KeyStatus.REJECTED
    assert_safe(check)


async def test_deepgram_out_of_credit_is_quota_exhausted():
    async with serve(FakeDeepgram(out_of_credit=True).app()) as base:
        check = await check_deepgram(DEEPGRAM, base_url=base)
    assert check.status is KeyStatus.QUOTA_EXHAUSTED


async def test_deepgram_wrong_server_is_wrong_url():
    async with serve(FakeOpenAIModels().app()) as base:
        check = await check_deepgram(DEEPGRAM, base_url=base)
    assert check.status is KeyStatus.WRONG_URL


async def test_deepgram_unreachable():
    check = await check_deepgram(DEEPGRAM, base_url=closed_port_url(), timeout=2)
    assert check.status is KeyStatus.UNREACHABLE
    assert_safe(check)


# LiveKit, through the real livekit-api client


async def test_livekit_valid_key_and_secret():
    fake = FakeLiveKit()
    async with serve(fake.app()) as base:
        check = await check_livekit(base.replace("http", "ws"), LK.api_key, LK.api_secret)
    assert check.status is KeyStatus.VALID
    assert fake.hits == 1


async def test_livekit_wrong_secret_is_rejected():
    async with serve(FakeLiveKit().app()) as base:
        check = await check_livekit(base, LK.api_key, WRONG)
    assert check.status is KeyStatus.REJECTED
    assert_safe(check)


async def test_livekit_wrong_api_key_is_rejected():
    async with serve(FakeLiveKit().app()) as base:
        check = await check_livekit(base, "APIsomeoneElse", LK.api_secret)
    assert check.status is KeyStatus.REJECTED
    assert_safe(check)


async def test_livekit_url_of_another_server_is_wrong_url():
    async with serve(FakeDeepgram().app()) as base:
        check = await check_livekit(base, LK.api_key, LK.api_secret)
    assert check.status is KeyStatus.WRONG_URL


async def test_livekit_unreachable():
    check = await check_livekit(closed_port_url("ws"), LK.api_key, LK.api_secret, timeout=2)
    assert check.status is KeyStatus.UNREACHABLE
    assert_safe(check)


async def test_livekit_url_without_scheme_is_wrong_url():
    check = await check_livekit("my-project.livekit.cloud", LK.api_key, LK.api_secret)
    assert check.status is KeyStatus.WRONG_URL


async def test_livekit_missing_secret_is_not_set():
    check = await check_livekit("wss://x.livekit.cloud", LK.api_key, None)
    assert check.status is KeyStatus.NOT_SET
    assert "secret" in check.message


# all at once


async def test_check_all_runs_the_three_checks_concurrently():
    gate = asyncio.Barrier(3)  # each fake answers only once all three requests arrived
    openai, deepgram, livekit = (
        FakeOpenAIModels(gate=gate),
        FakeDeepgram(gate=gate),
        FakeLiveKit(gate=gate),
    )
    async with (
        serve(openai.app()) as openai_base,
        serve(deepgram.app()) as deepgram_base,
        serve(livekit.app()) as livekit_base,
    ):
        keys = ProviderKeys(
            openai_api_key=OPENAI,
            openai_base_url=f"{openai_base}/v1",
            deepgram_api_key=DEEPGRAM,
            livekit_url=livekit_base,
            livekit_api_key=LK.api_key,
            livekit_api_secret=LK.api_secret,
        )
        results = await check_all(keys, deepgram_base_url=deepgram_base, timeout=3)
    assert {name: r.status for name, r in results.items()} == {
        "openai": KeyStatus.VALID,
        "deepgram": KeyStatus.VALID,
        "livekit": KeyStatus.VALID,
    }


async def test_check_all_skips_deepgram_when_stt_uses_openai():
    fake = FakeDeepgram()
    async with serve(fake.app()) as base:
        results = await check_all(ProviderKeys(stt_provider="openai"), deepgram_base_url=base)
    assert results["deepgram"].status is KeyStatus.NOT_SET
    assert fake.hits == 0
    assert results["openai"].status is KeyStatus.NOT_SET
    assert results["livekit"].status is KeyStatus.NOT_SET


# Public links: a visitor's URL is vetted, and the check pinned to the vetted address


def rebinding_dns(*answers: list[str]):
    """A resolver that gives each answer once, then keeps giving the last: what a DNS
    rebinding attacker's name server does between the check and the request."""
    queue = list(answers)
    asked: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


async def test_public_link_refuses_a_loopback_llm_url_without_calling_it():
    fake = FakeOpenAIModels()
    async with serve(fake.app()) as base:
        for url in (f"{base}/v1", base.replace("127.0.0.1", "localhost") + "/v1"):
            check = await check_openai(OPENAI, url, guard=NetGuard(True))
            assert check.status is KeyStatus.NOT_ALLOWED and check.message == REFUSED
    assert fake.hits == 0


async def test_local_mode_still_reaches_a_loopback_llm_server():
    async with serve(FakeOpenAIModels().app()) as base:
        check = await check_openai(OPENAI, f"{base}/v1", guard=NetGuard(False))
    assert check.status is KeyStatus.VALID


async def test_public_link_reaches_an_allow_listed_loopback_host():
    async with serve(FakeOpenAIModels().app()) as base:
        guard = NetGuard(True, (f"127.0.0.1:{_port(base)}",))
        check = await check_openai(OPENAI, f"{base}/v1", guard=guard)
    assert check.status is KeyStatus.VALID


async def test_public_link_says_the_same_for_a_closed_port_as_for_a_refused_address():
    url = closed_port_url()
    guard = NetGuard(True, (f"127.0.0.1:{_port(url)}",))
    closed = await check_openai(OPENAI, f"{url}/v1", guard=guard)
    private = await check_openai(OPENAI, "https://10.11.12.13/v1", guard=NetGuard(True))
    unknown = await check_openai(
        OPENAI, "https://nowhere.test/v1", guard=NetGuard(True, (), rebinding_dns([]))
    )
    assert closed.message == private.message == unknown.message == REFUSED


async def test_the_check_connects_to_the_vetted_address_not_a_second_dns_answer():
    vetted, rebound = FakeOpenAIModels(), FakeOpenAIModels()
    async with serve(vetted.app()) as base, serve_at("127.0.0.2", _port(base), rebound.app()):
        dns = rebinding_dns(["127.0.0.1"], ["127.0.0.2"])
        guard = NetGuard(True, ("rebind.test",), dns)
        check = await check_openai(OPENAI, f"http://rebind.test:{_port(base)}/v1", guard=guard)
    assert check.status is KeyStatus.VALID
    assert vetted.hits == 1 and rebound.hits == 0
    assert dns.asked == ["rebind.test"]  # the connection asked no resolver again


async def test_public_link_refuses_a_loopback_livekit_url_and_reaches_an_allow_listed_one():
    fake = FakeLiveKit()
    async with serve(fake.app()) as base:
        ws = base.replace("http", "ws")
        refused = await check_livekit(ws, LK.api_key, LK.api_secret, guard=NetGuard(True))
        guard = NetGuard(True, (f"127.0.0.1:{_port(base)}",))
        allowed = await check_livekit(ws, LK.api_key, LK.api_secret, guard=guard)
    assert refused.status is KeyStatus.NOT_ALLOWED and refused.message == REFUSED
    assert allowed.status is KeyStatus.VALID
    assert fake.hits == 1


async def test_check_all_passes_the_guard_to_the_user_s_urls():
    keys = ProviderKeys(
        openai_api_key=OPENAI,
        openai_base_url="http://127.0.0.1:9/v1",
        livekit_url="ws://169.254.169.254",
        livekit_api_key=LK.api_key,
        livekit_api_secret=LK.api_secret,
        stt_provider="openai",
    )
    results = await check_all(keys, guard=NetGuard(True))
    assert results["openai"].message == results["livekit"].message == REFUSED


class _Vault:
    def resolve_keys(self, user_id: str) -> ResolvedKeys:
        return ResolvedKeys(ProviderKeys())


async def test_check_keys_asks_the_deepgram_that_interviews_will_use(tmp_path):
    """A local user whose operator runs Deepgram at DEEPGRAM_BASE_URL has their key checked
    there, where their interviews send it, not at Deepgram's public address."""
    fake = FakeDeepgram()
    form = {name: "" for name in settings_tab.FIELD_ORDER}
    form.update(deepgram_api_key=DEEPGRAM, stt_provider="deepgram")
    async with serve(fake.app()) as base:
        settings = Settings(tmp_path, env_keys=EnvKeys(deepgram_base_url=base))
        services = SimpleNamespace(vault=_Vault(), settings=settings, voice_status=lambda: None)
        shown = await asyncio.to_thread(settings_tab.check_keys, services, "local", *form.values())
    assert fake.hits == 1
    assert "- **Deepgram**: ✓ Works. Deepgram accepted the key." in shown
    # on a public link the operator's endpoint is never used for a visitor's key
    assert Settings(tmp_path, public=True, env_keys=settings.env_keys).users_deepgram_url is None
