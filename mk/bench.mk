# make bench: tools/bench boots the hypervisor in Bochs with generated
# configurations and the test guest in mode=bench, then writes build/bench.json
# and docs/benchmarks.md.  The full run takes many minutes (the 1,000,000-store
# violation storm dominates); BENCH_ARGS passes options through, e.g.
# BENCH_ARGS="--storm 100000".  The reduced regression checks are
# tests/integration/test_bench.py (make test).
bench: $(BUILD)/hv.elf $(BUILD)/guest.elf
	$(Q)$(PYTHON) tools/bench $(if $(CPU),--cpu $(CPU)) $(BENCH_ARGS)
