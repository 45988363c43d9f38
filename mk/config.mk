# Static configuration: parser/validator (pure), the host checker build/hvconf,
# the libFuzzer target, and the embedded default configuration.

CONFIG_SRCS := hv/config.c hv/config_lex.c hv/config_fmt.c hv/config_check.c
PURE_SRCS += $(CONFIG_SRCS)
HOST_TOOLS += $(BUILD)/hvconf

# The pure sources hvconf needs, as host objects (under the sanitizers): the
# parser, hv/memrange.c for validation, spp/sppt.c for the layout report.
# Listed here because PURE_HOST_OBJS is not yet defined when fragments load.
HVCONF_OBJS := $(patsubst %,$(BUILD)/host/%.o,$(CONFIG_SRCS) hv/memrange.c spp/sppt.c)
$(BUILD)/hvconf: tools/hvconf.c $(HVCONF_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $< $(HVCONF_OBJS) -o $@

check-config: $(BUILD)/hvconf
	$(Q)ASAN_OPTIONS=detect_leaks=1 $(BUILD)/hvconf check $(DEFAULT_CONFIG) >/dev/null

# .incbin is invisible to -MMD.
$(BUILD)/hv/hv/config_default.S.o: hv/default.conf

# libFuzzer on parse + validate + format.  New inputs go to build/, never into
# the seed corpus; crash inputs are written to build/fuzz-artifacts/ (copy them
# into tests/fuzz/crashes/ once fixed: they are replayed by every run).
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -I. -D_DEFAULT_SOURCE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_BIN := $(BUILD)/fuzz/fuzz_config
FUZZ_RUN = $(Q)mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/artifacts; \
	$(FUZZ_BIN) -artifact_prefix=$(BUILD)/fuzz/artifacts/ -max_len=4096 \
	-dict=tests/fuzz/config.dict -print_final_stats=1 -close_fd_mask=1

$(FUZZ_BIN): tests/fuzz/fuzz_config.c $(CONFIG_SRCS) hv/memrange.c hv/config.h \
		hv/config_internal.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) tests/fuzz/fuzz_config.c $(CONFIG_SRCS) \
		hv/memrange.c -o $@

.PHONY: fuzz-short
fuzz: $(FUZZ_BIN)
	$(FUZZ_RUN) -max_total_time=600 \
		$(BUILD)/fuzz/corpus tests/fuzz/corpus tests/fuzz/crashes

# Quiet on success (one summary line), the whole log on failure.
fuzz-short: $(FUZZ_BIN)
	@$(if $(Q),echo "  FUZZ    $(FUZZ_BIN) (20 s)")
	$(FUZZ_RUN) -max_total_time=20 -runs=2000000 -seed=1 \
		$(BUILD)/fuzz/corpus tests/fuzz/corpus tests/fuzz/crashes \
		>$(BUILD)/fuzz/short.log 2>&1 \
		&& grep -h '^Done' $(BUILD)/fuzz/short.log \
		|| { cat $(BUILD)/fuzz/short.log; exit 1; }

unit-extra: fuzz-short
