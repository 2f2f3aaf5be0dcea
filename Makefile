# make demo  - set up, then analyse the bundled sample call
# make test  - set up, then run the whole test suite (what CI runs)
.PHONY: setup demo test lint gui build

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/agent-assist analyze resources/samples/sample_call.flac

gui: setup
	.venv/bin/agent-assist --demo

test: setup
	.venv/bin/python -m pytest -q

lint: setup
	.venv/bin/ruff check agent_assist tests bench scripts training
	.venv/bin/mypy agent_assist

build: setup
	./packaging/build.sh
