# Ad-hoc: run some tests against the emulator directly (no weir) to see they fail.
import types, pytest
import test_anthropic_sdk as A, test_openai_sdk as O

@pytest.fixture
def anth(emulator):
    return types.SimpleNamespace(url=emulator.anthropic_base_url)
@pytest.fixture
def chat(emulator):
    return types.SimpleNamespace(openai_url=emulator.openai_base_url)
@pytest.fixture
def responses(emulator):
    return types.SimpleNamespace(openai_url=emulator.openai_base_url)

test_a_die = A.test_stream_dies_mid_stream
test_a_create = A.test_messages_create
test_a_stream = A.test_stream_text_and_parallel_tool_calls
test_o_die = O.test_chat_stream_dies_mid_stream
test_r_die = O.test_responses_stream_dies_mid_stream
test_o_create = O.test_chat_completions_create
test_rl = O.test_rate_limited_only_target
