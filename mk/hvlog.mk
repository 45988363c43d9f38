# tools/hvlog: its parser and report on recorded logs (pytest, no emulator).
.PHONY: hvlog-unit
unit-extra: hvlog-unit
hvlog-unit:
	$(Q)$(PYTHON) -m pytest -q tests/hvlog
