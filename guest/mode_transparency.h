/* mode=transparency (guest/mode_transparency*.c, guest/mode_transparency.S):
 * shared declarations. */
#ifndef GUEST_MODE_TRANSPARENCY_H
#define GUEST_MODE_TRANSPARENCY_H

#include <stdbool.h>
#include <stdint.h>

#include "guest/guest.h"

#define TP_LAPIC_TIMER_VECTOR 0x40
#define TP_PIT_VECTOR 0x20

#define CR4_PCIDE   GUEST_BIT(17)
#define CR4_OSXSAVE GUEST_BIT(18)
#define CR4_SMEP    GUEST_BIT(20)
#define CR4_SMAP    GUEST_BIT(21)
#define CR4_PKE     GUEST_BIT(22)
#define CR4_UMIP    GUEST_BIT(11)
#define CR4_DE      GUEST_BIT(3)
#define RFLAGS_RF   GUEST_BIT(16)
#define RFLAGS_AC   GUEST_BIT(18)
#define PTE_US      GUEST_BIT(2)

/* guest/mode_transparency.S */
int32_t tp_try(void (*fn)(uint64_t), uint64_t arg);
void tp_land_0(void), tp_land_3(void), tp_land_6(void), tp_land_11(void), tp_land_13(void);
void tp_land_14(void), tp_land_17(void);
void tp_db_stub(void), tp_lapic_timer_stub(void), tp_pit_stub(void);
void tp_do_gp_sel(uint64_t), tp_do_gp_noncanon(uint64_t), tp_do_pf_read(uint64_t);
void tp_do_pf_write(uint64_t), tp_do_ud(uint64_t), tp_do_de(uint64_t), tp_do_bp(uint64_t);
void tp_do_xsetbv(uint64_t), tp_do_mov_cr4(uint64_t), tp_do_rdmsr(uint64_t), tp_do_wrmsr(uint64_t);
void tp_do_read(uint64_t), tp_do_call(uint64_t), tp_do_xgetbv(uint64_t), tp_do_invpcid(uint64_t);
void tp_do_single_step(void), tp_do_ibp(void), tp_do_watch(void);
uint32_t tp_ring3_trip(uint64_t kind);
void tp_syscall_entry(void), tp_sysenter_entry(void);
extern char tp_gp_sel_insn[], tp_gp_noncanon_insn[], tp_pf_read_insn[], tp_pf_write_insn[];
extern char tp_ins_insn[], tp_outs_insn[];
extern char tp_rdmsr_insn[], tp_xsetbv_insn[], tp_mov_cr4_insn[];
extern char tp_ud_insn[], tp_de_insn[], tp_bp_next[], tp_read_insn[];
extern char tp_ss_next[], tp_ibp_insn[], tp_watch_next[];
extern volatile uint64_t tp_exc_vector, tp_exc_error, tp_exc_rip, tp_exc_cs, tp_exc_rflags,
	tp_exc_cr2, tp_db_dr6, tp_db_rip, tp_db_rflags, tp_xgetbv_value, tp_xsetbv_in,
	tp_msr_value, tp_trip_rcx,
	tp_trip_r11, tp_trip_user_rsp, tp_trip_rsp;
void tp_x_cpuid(uint64_t), tp_x_in(uint64_t), tp_x_rdmsr(uint64_t), tp_x_xsetbv(uint64_t);
extern char tp_x_cpuid_insn[], tp_x_cpuid_next[], tp_x_in_insn[], tp_x_in_next[];
extern char tp_x_rdmsr_insn[], tp_x_rdmsr_next[], tp_x_xsetbv_insn[], tp_x_xsetbv_next[];
void tp_x_in80(uint64_t), tp_do_ins(uint64_t), tp_do_outs(uint64_t);
uint64_t tp_do_rep_ins(uint64_t dst);
extern char tp_rep_ins_insn[], tp_rep_ins_next[];
extern char tp_x_in80_insn[], tp_x_in80_next[], tp_ins_next[], tp_outs_next[];
extern volatile uint64_t tp_db_dr6s[4], tp_db_rips[4];
extern volatile uint32_t tp_db_keep;
extern volatile uint32_t tp_db_count, tp_watch, tp_lapic_ticks, tp_pit_ticks, tp_trip_phase;
extern volatile uint32_t tp_trip_cs[3], tp_trip_ss[3];

/* guest/mode_transparency.c */
void tp_set_gate(unsigned vector, void (*fn)(void));
void tp_user(uint64_t va, bool on);
uint64_t tp_rdmsr(uint32_t msr, int32_t *vec);
void tp_write_cr4(uint64_t v);
int32_t tp_xsetbv(uint32_t xcr, uint64_t v);
int32_t tp_xgetbv(uint32_t xcr, uint64_t *v);
int32_t tp_wrmsr(uint32_t msr, uint64_t v);
int32_t tp_mov_cr4(uint64_t v);

/* guest/mode_transparency_sys.c: the checks of system state. */
void tp_check_sys(void);
void tp_check_msrs(void);
void tp_check_tsc(void);
void tp_check_timers(void);
void tp_check_misc(void);
void tp_check_mmap(const struct guest_boot *b);

/* guest/mode_transparency_db.c: debug exceptions. */
void tp_check_debug(void);

/* guest/mode_transparency_user.c: CPL 3. */
void tp_check_user(void);

#endif
