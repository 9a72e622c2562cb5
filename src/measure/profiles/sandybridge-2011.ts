// The sandybridge-2011 profile: a 2011 Intel Sandy Bridge desktop core (i7-2600 class) running Linux 3.1
// with no Meltdown/Spectre mitigations. Every value states its source; "est." marks an engineering
// estimate. No value is fitted, so the end-to-end figures in docs/sources.md#profile-2011, #validation-targets stay usable
// for validation (except a figure a value is derived from: docs/validation.md says which). Native costs are
// self costs, split where the kernel charges them: work the kernel charges by name from inside a native
// (do_exit, context_switch, copy_user_per_byte, audit_syscall_entry from syscall_trace_enter, …) is priced
// under that name only.
import type { CostProfileSpec } from "../profile.ts";

const AGNER =
  "Agner Fog, Instruction tables (agner.org/optimize/instruction_tables.pdf), Intel Sandy Bridge section; " +
  "quoted as recalled, to be checked against the PDF (docs/sources.md#agner)";
const STECKLINA =
  "J. Stecklina, 'x86 system call mechanisms' (x86.lol/generic/2019/07/04/kernel-entry.html) and " +
  "github blitz/kernel_entry_benchmark README; docs/sources.md#entry-figures row 'Kernel entry round trip'";
const LUTO_LRET =
  "A. Lutomirski, LKML 22 Jul 2014 'STI architectural question (and lretq -- I'm not even kidding)' " +
  "(lkml.iu.edu/hypermail/linux/kernel/1407.2/05433.html): lretq to outer privilege is about 100 cycles faster " +
  "than iretq on Sandy Bridge";
const IPC =
  "kernel IPC 1.47 from A. Arora (Oracle) 2022, getpid loop 283 cycles / 417 instructions (docs/sources.md#entry-figures)";
const IPC_AUDIT =
  "IPC 2.39 of the audit code path from A. Arora (Oracle) 2022, 836 cycles / 1999 instructions (docs/sources.md#audit-figures)";
const LOCKED = "20 per LOCK-prefixed read-modify-write (est., L1-resident line, SNB class)";

export const sandybridge2011: CostProfileSpec = {
  name: "sandybridge-2011",
  description:
    "Intel Sandy Bridge desktop core (i7-2600 @ 3.4 GHz) running Linux 3.1 without Meltdown/Spectre " +
    "mitigations, the machines of the 2011 syscall-filtering thread. Memory accesses priced as L1 hits.",
  clockHz: {
    value: 3.4e9,
    source: "i7-2600 base clock, the machine assumed by docs/sources.md#profile-2011 header",
  },
  mitigations: {
    retpoline: {
      value: "off",
      source:
        "Linux 3.1 (2011) predates retpolines (Linux 4.15, January 2018, arch/x86/lib/retpoline.S); its seccomp has no BPF JIT either",
    },
    returnThunk: {
      value: "none",
      source: "Linux 3.1 predates return thunks (CONFIG_RETHUNK, Linux 5.19, 2022)",
    },
  },
  classes: {
    nop: {
      value: 1,
      source: `${AGNER}: NOP 1 µop, reciprocal throughput 0.25; charged the model's 1-cycle minimum`,
    },
    mov: { value: 1, source: `${AGNER}: MOV r,r / r,i latency 1, MOVZX/MOVSX latency 1` },
    lea: { value: 1, source: `${AGNER}: LEA with 1 or 2 address components latency 1 (3 components: 3)` },
    alu: { value: 1, source: `${AGNER}: ADD/SUB/AND/OR/XOR/CMP/TEST/INC/DEC r,r latency 1` },
    shift: { value: 1, source: `${AGNER}: SHL/SHR/SAR r,i latency 1 (by CL: 2, 3 µops)` },
    imul: { value: 3, source: `${AGNER}: IMUL r64,r64 latency 3, reciprocal throughput 1` },
    mul: { value: 3, source: `${AGNER}: MUL r64 latency 3 (low half of the double-width result)` },
    div: {
      value: 62,
      source: `= midpoint of DIV r64 latency 30-94 (${AGNER}); data dependent, grows with the quotient bits`,
    },
    push: {
      value: 1,
      source: `${AGNER}: PUSH r 1 µop, reciprocal throughput 1; the stack write adds 'store'`,
    },
    pop: {
      value: 1,
      source: `${AGNER}: POP r 1 µop, reciprocal throughput 0.5, charged the 1-cycle minimum; the stack read adds 'load'`,
    },
    jmp: {
      value: 2,
      source: `${AGNER}: JMP near reciprocal throughput 1-2; always taken, so the upper value`,
    },
    jcc: {
      value: 1,
      source: `${AGNER}: Jcc reciprocal throughput 1-2 ('fast if no jump'); the kernel fast-path branches are mostly not taken, so the lower value; mispredictions are not modelled`,
    },
    call: { value: 2, source: `${AGNER}: CALL near 2 µops, reciprocal throughput 2` },
    ret: { value: 2, source: `${AGNER}: RET 2 µops, reciprocal throughput 2` },
    string: {
      value: 1,
      source: `est.: ${AGNER}: REP MOVS/STOS about 1 cycle per element for short counts; the element's load/store add 'load'/'store'`,
    },
    flags: {
      value: 4,
      source: `${AGNER}: CLD reciprocal throughput 4 (the flags instruction on kernel entry paths); CLC/STC/LAHF 1, POPF ~20 are priced the same (est.)`,
    },
    cpuid: {
      value: 175,
      source: `= midpoint of CPUID reciprocal throughput 100-250 (${AGNER}); leaf dependent`,
    },
    rdtsc: { value: 28, source: `${AGNER}: RDTSC 21 µops, reciprocal throughput 28` },
    syscall: {
      value: 35,
      source: `= half of the ~70-cycle SYSCALL+SYSRET round trip with an empty handler (${STECKLINA}; Skylake Xeon E3-1270 v5, the README's KVM run gives 99). No published SYSCALL/SYSRET split and no Sandy Bridge round trip exist (docs/sources.md#gaps), so split evenly`,
    },
    sysret: {
      value: 35,
      source: `= the other half of the ~70-cycle SYSCALL+SYSRET round trip (${STECKLINA}); see classes.syscall`,
    },
    iretq: {
      value: 336,
      source: `= call-gate round trip 473 / 2 = 236 for the far return to CPL 3 (${STECKLINA}) + 100 (${LUTO_LRET}). Cross-check: interrupt-gate round trip 610 / 2 = 305`,
    },
    swapgs: {
      value: 10,
      source:
        "est.: no published cycle count (docs/sources.md#gaps). SWAPGS exchanges GS.base with IA32_KERNEL_GS_BASE, " +
        "has no memory operand and is not in the SDM's list of serializing instructions (SDM Vol. 3A, 'Serializing " +
        "Instructions'), so it is priced far below RDMSR/WRMSR as a short microcoded sequence. Check: SYSCALL + " +
        "2 SWAPGS + SYSRET = 90, inside the 70-100 estimate of docs/sources.md#profile-2011",
    },
    cli: {
      value: 4,
      source:
        "est.: priced like classes.flags (a microcoded RFLAGS update, CLD reciprocal throughput 4); not serializing",
    },
    sti: {
      value: 4,
      source:
        "est.: priced like classes.flags (a microcoded RFLAGS update plus the one-instruction interrupt shadow)",
    },
    rdmsr: {
      value: 50,
      source:
        "est.: about a third of classes.wrmsr, because RDMSR is not serializing (SDM Vol. 3A, 'Serializing Instructions') " +
        "while WRMSR is; not on the syscall path",
    },
    wrmsr: {
      value: 144,
      source:
        "WRMSR(IA32_SYSENTER_ESP) ~144 cycles per write, rdtsc-bracketed over 323,580 samples on bare metal " +
        "(HP Core i7, generation not stated): github AlessandroSangiuliano/Uros issue #348",
    },
    mov_cr3: {
      value: 100,
      source:
        "Linux Documentation/arch/x86/pti.rst: a CR3 write is 'on the order of a hundred cycles' (docs/sources.md#entry-figures, #profile-2011 row 'MOV CR3')",
    },
    hlt: {
      value: 1,
      source:
        "est.: the instruction itself; time spent halted is the machine's idle time and is not priced here",
    },
    trap: {
      value: 274,
      source: `= interrupt-gate round trip 610 (${STECKLINA}) - classes.iretq 336: delivery of an exception or INT3 through an IDT gate`,
    },
    native: {
      value: 2,
      source: "the native returns as RET does (cpu-api.md): priced as classes.ret",
    },
    sse: {
      value: 3,
      source: `${AGNER}: ADDSS/ADDSD/ADDPS/ADDPD/CMPSD latency 3, reciprocal throughput 1; MULSD/MULPD (latency 5) and the CVT conversions (latency 3-4) are priced the same (est.)`,
    },
    sse_div: {
      value: 16,
      source: `= midpoint of DIVSD/DIVPD latency 10-22 (${AGNER}); SQRTSD 10-21 and DIVSS/SQRTSS 10-14 are priced the same (est.)`,
    },
  },
  load: {
    value: 1,
    source: `L1-D hit. Load-to-use latency is 4 (techreport SNB-E, docs/sources.md#memory-figures) but an out-of-order core hides it except on dependent chains; ${AGNER}: MOV r,m reciprocal throughput 0.5, charged the 1-cycle minimum. Native derivations add the exposed 3 cycles per dependent pointer hop`,
  },
  store: {
    value: 1,
    source: `L1-D hit through the store buffer, never on the critical path; ${AGNER}: MOV m,r reciprocal throughput 1`,
  },
  natives: {
    sys_ni_syscall: {
      value: 2,
      source: `est.: 2 instructions (mov $-ENOSYS, ret; Linux 3.1 kernel/sys_ni.c) / ${IPC}, rounded up`,
    },
    syscall_trace_enter: {
      value: 20,
      source: `est.: ~30 instructions of TIF tests and argument shuffling (Linux 3.1 arch/x86/kernel/ptrace.c) / ${IPC}; the kernel charges secure_computing, audit_syscall_entry, tracehook_report_syscall and trace_sys_enter on top`,
    },
    syscall_trace_leave: {
      value: 17,
      source: `est.: ~25 instructions of TIF and single-step tests (Linux 3.1 arch/x86/kernel/ptrace.c) / ${IPC}; the kernel charges audit_syscall_exit, trace_sys_enter and tracehook_report_syscall on top`,
    },
    audit_syscall_entry: {
      value: 19,
      source: `est.: ~45 instructions with no audit rules (context field stores, dummy = !audit_n_rules, CURRENT_TIME seqlock read; Linux 3.1 kernel/auditsc.c) / ${IPC_AUDIT}`,
    },
    audit_syscall_exit: {
      value: 25,
      source: `est.: ~60 instructions with no audit rules (audit_get_context, context reset, no audit_log_exit; Linux 3.1 kernel/auditsc.c) / ${IPC_AUDIT}`,
    },
    audit_rule_check: {
      value: 22,
      source:
        "derived: I. Babrou (Cloudflare) 2023, Message-Id 20230523181624.19932-1-ivan@cloudflare.com (docs/sources.md#audit-figures, #validation-targets item 12): " +
        "audit_* functions take ~5 % of CPU with auditd and no rules and ~24 % with 10 non-matching rules. With C0 = the no-rule " +
        "audit work per call (natives.audit_syscall_entry 19 + natives.audit_syscall_exit 25 = 44) and r per rule, " +
        "(0.05 + y) / (1 + y) = 0.24 with y = 10r / C0 x 0.05 gives y = 0.25, so 10r = 5 C0 and r = C0 / 2 = 22, whatever " +
        "the syscall rate (the ratio reproduces exactly, so Babrou's figure is this value's source, not a check of it). It folds in the fixed cost of a non-dummy " +
        "context (audit_filter_inodes, the names/aux reset), which the model does not charge separately. Cross-check, " +
        "not used: A. Arora (Oracle) 2022's 42 exit rules cost +553 cycles over audit=0 on Cascade Lake (about 13 per rule " +
        "in the list, only 5 of them reaching audit_filter_rules); 42 x 22 = 924 here, so long lists of rules that fail " +
        "the syscall-mask test are priced about 1.7x high",
    },
    audit_log_exit: {
      value: 2800,
      source: `est.: ~4,000 instructions for one SYSCALL record of a getpid-like call (audit_log_start with the skb allocation and the timestamp/serial, audit_log_format of ~25 key=value fields through vsnprintf, audit_log_task_info's d_path of the executable, the EOE record, audit_log_end queueing to auditd; Linux 3.1 kernel/auditsc.c, kernel/audit.c) / ${IPC} = 2,721, + 4 atomics (skb and queue locks) at ${LOCKED} = 80, rounded; auditd's own work is not priced. Upper bound: the HP 2015 open/close figure with auditing and an audispd plugin, 200,000/s -> 3,000/s (docs/sources.md#audit-figures), includes the user-space daemons`,
    },
    schedule: {
      value: 290,
      source: `est.: ~350 instructions of schedule() up to the switch decision (rcu_note_context_switch, put_prev_task_fair with update_curr and the rbtree insert, pick_next_task_fair with the rbtree erase, clear_tsk_need_resched; Linux 3.1 kernel/sched.c, kernel/sched_fair.c) / ${IPC} = 238, + the rq lock at ${LOCKED}, + raw_spin_lock_irq's CLI as classes.cli 4, + update_rq_clock's sched_clock as classes.rdtsc 28. The switch itself is natives.context_switch, charged by the kernel only when it switches`,
    },
    schedule_tail: {
      value: 10,
      source: `est.: ~15 instructions (preempt_enable, the set_child_tid test; Linux 3.1 kernel/sched.c) / ${IPC}; its finish_task_switch is priced in natives.context_switch, which the kernel charges on every switch including the one to a new task`,
    },
    do_notify_resume: {
      value: 146,
      source: `est.: ~150 instructions (do_signal -> get_signal_to_deliver: dequeue_signal, recalc_sigpending, the default-action test; do_group_exit of a single-threaded task; Linux 3.1 arch/x86/kernel/signal.c, kernel/signal.c) / ${IPC} = 102, + 2 atomics (siglock, user->sigpending) at ${LOCKED}, + spin_lock_irq's CLI as classes.cli 4. Every signal here terminates, so no signal frame is written; the teardown is natives.do_exit, charged by the kernel on top`,
    },
    sys_read: {
      value: 100,
      source: `est.: ~125 instructions (fget_light, vfs_read with rw_verify_area and security_file_permission, fsnotify_access, fput_light; Linux 3.1 fs/read_write.c) / ${IPC} = 85, + the REP startup of copy_user_generic_string 15 (see natives.copy_user_per_byte); the bytes are charged as copy_user_per_byte`,
    },
    sys_write: {
      value: 100,
      source: `est.: ~125 instructions (fget_light, vfs_write with rw_verify_area and security_file_permission, fsnotify_modify, fput_light; Linux 3.1 fs/read_write.c) / ${IPC} = 85, + the REP startup of copy_user_generic_string 15 (see natives.copy_user_per_byte); the bytes are charged as copy_user_per_byte, the captured sink has no further per-byte cost`,
    },
    sys_open: {
      value: 976,
      source: `est.: ~1,200 instructions to open an existing device or directory (getname with a names_cache allocation, get_unused_fd_flags, do_filp_open -> path_openat with an RCU-walk lookup, may_open, __dentry_open with get_empty_filp and the device open, fsnotify_open, fd_install, putname; Linux 3.1 fs/open.c, fs/namei.c, fs/file_table.c) / ${IPC} = 816, + 8 atomics (files lock, file, dentry and vfsmount references) at ${LOCKED}; the path bytes are charged as copy_user_per_byte`,
    },
    sys_openat: {
      value: 980,
      source: `= natives.sys_open 976 + ~6 instructions (the dfd argument: AT_FDCWD test, or fget_light of the directory descriptor, in do_sys_open's path_init; Linux 3.1 fs/open.c, fs/namei.c) / ${IPC} = 4`,
    },
    sys_mkdir: {
      value: 2004,
      source: `est.: ~1,800 instructions (getname, kern_path_create with a lookup_hash dentry allocation, mnt_want_write, security_path_mkdir, vfs_mkdir, and for cgroupfs cgroup_mkdir: cgroup_create with the subsystem's create callback copying the parent's bitmap, cgroup_populate_dir creating the control files, css_set linking; Linux 3.1 fs/namei.c, kernel/cgroup.c) / ${IPC} = 1,224, + 39 atomics (dentry, inode and mount references, i_mutex and cgroup_mutex, the control files' dentries) at ${LOCKED}; the path bytes are charged as copy_user_per_byte`,
    },
    sys_rmdir: {
      value: 1356,
      source: `est.: ~1,200 instructions (getname, path lookup of the parent, lookup_hash, vfs_rmdir with dentry_unhash, and for cgroupfs cgroup_rmdir: cgroup_clear_css_refs, the subsystem's destroy callback, removal of the control files, d_delete; Linux 3.1 fs/namei.c, kernel/cgroup.c) / ${IPC} = 816, + 27 atomics (references, i_mutex, cgroup_mutex, css refcounts) at ${LOCKED}; the path bytes are charged as copy_user_per_byte`,
    },
    sys_close: {
      value: 81,
      source: `est.: ~60 instructions (spin_lock, fdtable clear, filp_close, fput of a file that is still referenced; Linux 3.1 fs/open.c) / ${IPC} = 41, + 2 atomics at ${LOCKED}`,
    },
    sys_dup: {
      value: 74,
      source: `est.: ~50 instructions (fget, spin_lock(files->file_lock), alloc_fd bitmap search, fd_install; Linux 3.1 fs/fcntl.c) / ${IPC} = 34, + 2 atomics (lock, get_file) at ${LOCKED}`,
    },
    sys_getcwd: {
      value: 520,
      source: `est.: ~500 instructions (__get_free_page, get_fs_root_and_pwd, the rename_lock seqlock and vfsmount_lock, prepend_path over a short path, path_put, free_page; Linux 3.1 fs/dcache.c) / ${IPC} = 340, + 8 atomics (fs->lock, path_get/path_put of root and pwd, rename_lock) at ${LOCKED}, + the copy_to_user of a path of under 64 bytes (the kernel does not charge it per byte) as REP startup 15 + 1 per 8 bytes ≈ 20`,
    },
    sys_chdir: {
      value: 510,
      source: `est.: ~600 instructions (getname, RCU-walk lookup of a one-component path, inode_permission, set_fs_pwd, putname; Linux 3.1 fs/open.c, fs/namei.c) / ${IPC} = 410, + 5 atomics at ${LOCKED}; the path bytes are charged as copy_user_per_byte`,
    },
    sys_umask: {
      value: 25,
      source: `est.: ~8 instructions (current -> fs -> umask) / ${IPC} = 5, + the implicitly locked XCHG with memory at ${LOCKED}`,
    },
    sys_getpid: {
      value: 20,
      source: `est.: ~30 instructions (task_tgid_vnr -> pid_vnr -> pid_nr_ns with call/ret; Linux 3.1 kernel/timer.c, kernel/pid.c) / ${IPC}`,
    },
    sys_getppid: {
      value: 26,
      source: `est.: ~38 instructions (sys_getpid's chain plus the rcu_dereference(current->real_parent) hop; rcu_read_lock is empty without CONFIG_PREEMPT_RCU) / ${IPC}`,
    },
    sys_gettid: {
      value: 19,
      source: `est.: ~28 instructions (task_pid_vnr -> pid_vnr -> pid_nr_ns) / ${IPC}`,
    },
    sys_getuid: {
      value: 4,
      source: `est.: ~6 instructions (current -> cred -> uid, ret; Linux 3.1 kernel/timer.c) / ${IPC}`,
    },
    sys_geteuid: { value: 4, source: `est.: ~6 instructions (current -> cred -> euid, ret) / ${IPC}` },
    sys_getgid: { value: 4, source: `est.: ~6 instructions (current -> cred -> gid, ret) / ${IPC}` },
    sys_getegid: { value: 4, source: `est.: ~6 instructions (current -> cred -> egid, ret) / ${IPC}` },
    sys_setuid: {
      value: 345,
      source: `est.: ~330 instructions (prepare_creds with kmem_cache_alloc fast path and a 160-byte struct cred copy, capability checks, cap_task_fix_setuid, commit_creds with call_rcu; Linux 3.1 kernel/sys.c, kernel/cred.c) / ${IPC} = 225, + 6 atomics at ${LOCKED}`,
    },
    sys_newuname: {
      value: 96,
      source: `est.: ~60 instructions (down_read(&uts_sem), override_release/architecture checks, up_read) / ${IPC} = 41, + 2 atomics at ${LOCKED}, + the REP startup of copy_user_generic_string 15; the 390 bytes of struct new_utsname are charged as copy_user_per_byte`,
    },
    sys_brk: {
      value: 122,
      source: `est.: ~120 instructions for a query or an in-place move of the break within the heap VMA (down_write(mmap_sem), find_vma, checks, up_write; Linux 3.1 mm/mmap.c) / ${IPC} = 82, + 2 atomics at ${LOCKED}; growth through do_brk is not priced separately`,
    },
    sys_clock_gettime: {
      value: 82,
      source: `est.: ~80 instructions (clockid dispatch, ktime_get_ts seqlock read and timespec_add_ns, 16-byte copy_to_user, which the kernel does not charge per byte; Linux 3.1 kernel/posix-timers.c, kernel/time/timekeeping.c) / ${IPC} = 54, + the clocksource read as classes.rdtsc 28`,
    },
    sys_sched_yield: {
      value: 396,
      source: `est.: ~80 instructions (this_rq_lock, yield_task_fair, unlock; Linux 3.1 kernel/sched.c) / ${IPC} = 54, + the rq spinlock at ${LOCKED}, + local_irq_disable as classes.cli 4, + sched_clock as classes.rdtsc 28, + schedule()'s pick-next part as natives.schedule 290 (the kernel switches from here without calling the schedule native; the switch is charged as natives.context_switch)`,
    },
    sys_prctl: {
      value: 51,
      source: `est.: ~45 instructions (security_task_prctl -> cap_task_prctl, the option switch; Linux 3.1 kernel/sys.c) / ${IPC} = 31, + one atomic set_thread_flag (PR_SET_SECCOMP) at ${LOCKED}`,
    },
    sys_exit: {
      value: 2,
      source: `est.: ~3 instructions (SYSCALL_DEFINE1(exit) = do_exit((error_code & 0xff) << 8); Linux 3.1 kernel/exit.c) / ${IPC}, rounded up; the teardown is natives.do_exit, charged by the kernel on top`,
    },
    sys_exit_group: {
      value: 14,
      source: `est.: ~20 instructions of do_group_exit (the signal_group_exit test; thread_group_empty holds for a single-threaded task, so siglock and zap_other_threads are skipped; Linux 3.1 kernel/exit.c) / ${IPC}; the teardown is natives.do_exit, charged by the kernel on top`,
    },
    sys_mmap: {
      value: 680,
      source: `est.: ~800 instructions for an anonymous or small private mapping (do_mmap_pgoff: get_unmapped_area top-down search, mmap_region with vma_merge or a vm_area_struct allocation, vma_link, security_file_mmap; Linux 3.1 mm/mmap.c) / ${IPC} = 544, + 6 atomics (mmap_sem down_write/up_write, anon_vma and file references) at ${LOCKED}, + 16 for the perf/audit hooks; pages are allocated on first touch in Linux and eagerly here, the page allocation is not priced`,
    },
    sys_munmap: {
      value: 620,
      source: `est.: ~700 instructions (do_munmap: find_vma, split_vma at unaligned ends, detach_vmas_to_be_unmapped, unmap_region with the TLB gather and zap_page_range of a few pages, free_pgtables, remove_vma; Linux 3.1 mm/mmap.c) / ${IPC} = 476, + 6 atomics at ${LOCKED}, + the INVLPG/CR3-reload TLB flush of the range est. 24`,
    },
    sys_mprotect: {
      value: 560,
      source: `est.: ~650 instructions (find_vma, mprotect_fixup with a split_vma or vma_merge, change_protection over a few PTEs, the TLB flush; Linux 3.1 mm/mprotect.c) / ${IPC} = 442, + 4 atomics at ${LOCKED}, + the TLB flush est. 24 + mmap_sem est. 14`,
    },
    sys_mremap: {
      value: 760,
      source: `est.: ~900 instructions (vma_to_resize, in-place vma_adjust or move_vma with move_page_tables; Linux 3.1 mm/mremap.c) / ${IPC} = 612, + 6 atomics at ${LOCKED}, + the TLB flush est. 28`,
    },
    sys_arch_prctl: {
      value: 60,
      source: `est.: ~50 instructions for ARCH_SET_FS with a base above 4 GiB (do_arch_prctl: load_gs_index-free path, wrmsrl(MSR_FS_BASE); Linux 3.1 arch/x86/kernel/process_64.c) / ${IPC} = 34, priced with a quarter of classes.wrmsr's serialization est. 26 (the WRMSR dominates; ARCH_GET_FS is cheaper and priced the same)`,
    },
    sys_set_tid_address: {
      value: 14,
      source: `est.: ~20 instructions (current->clear_child_tid = tidptr; return task_pid_vnr(current); Linux 3.1 kernel/fork.c) / ${IPC}`,
    },
    sys_set_robust_list: {
      value: 7,
      source: `est.: ~10 instructions (the len check and current->robust_list = head; Linux 3.1 kernel/futex.c) / ${IPC}`,
    },
    sys_futex: {
      value: 150,
      source: `est.: ~180 instructions for FUTEX_WAKE with no waiters or a FUTEX_WAIT value mismatch (get_futex_key for a private futex, hash_futex, the bucket spinlock, get_futex_value_locked; Linux 3.1 kernel/futex.c) / ${IPC} = 122, + 1 atomic (the hash bucket lock) at ${LOCKED}, + the user access est. 8`,
    },
    sys_prlimit64: {
      value: 100,
      source: `est.: ~110 instructions (find_task_by_vpid for pid 0, check_prlimit_permission, task_lock, the rlimit copy, 16-byte copy_to_user not charged per byte; Linux 3.1 kernel/sys.c) / ${IPC} = 75, + 1 atomic (task_lock) at ${LOCKED}, + the copy's REP startup 5`,
    },
    sys_gettimeofday: {
      value: 82,
      source: `= natives.sys_clock_gettime 82: do_gettimeofday is the same seqlock read of the timekeeper and clocksource read (Linux 3.1 kernel/time.c, kernel/time/timekeeping.c)`,
    },
    sys_time: {
      value: 40,
      source: `est.: ~15 instructions (get_seconds reads xtime.tv_sec without the clocksource; put_user of 8 bytes; Linux 3.1 kernel/time.c) / ${IPC} = 10, + the put_user's STAC-free access est. 30 for the exception-table setup and a possible cache miss on xtime`,
    },
    sys_nanosleep: {
      value: 320,
      source: `est.: ~300 instructions to arm and cancel an hrtimer around schedule() (hrtimer_nanosleep, do_nanosleep, hrtimer_start_expires, hrtimer_cancel; Linux 3.1 kernel/hrtimer.c) / ${IPC} = 204, + 4 atomics (the timer base lock) at ${LOCKED}, + 2 clock reads as classes.rdtsc; the time slept is charged as cycles at clockHz by the kernel`,
    },
    sys_rt_sigaction: {
      value: 140,
      source: `est.: ~160 instructions (64-byte copy_from_user/copy_to_user of struct sigaction, do_sigaction under siglock, the discard of a now-ignored pending signal; Linux 3.1 kernel/signal.c) / ${IPC} = 109, + 1 atomic (siglock) at ${LOCKED}, + 2 REP startups est. 11`,
    },
    sys_rt_sigprocmask: {
      value: 90,
      source: `est.: ~100 instructions (8-byte copies in and out, sigprocmask under siglock with recalc_sigpending; Linux 3.1 kernel/signal.c) / ${IPC} = 68, + 1 atomic at ${LOCKED}`,
    },
    sys_rt_sigreturn: {
      value: 330,
      source: `est.: ~420 instructions (copy of the 440-byte rt_sigframe header checks, restore_sigcontext of 18 registers with the segment fix-ups, restore_i387 of a lazily saved FPU state, set_current_blocked, do_sigaltstack; Linux 3.1 arch/x86/kernel/signal.c) / ${IPC} = 286, + 2 atomics at ${LOCKED}; the frame bytes are charged as copy_user_per_byte`,
    },
    sys_kill: {
      value: 420,
      source: `est.: ~520 instructions (kill_pid_info: find_vpid, group_send_sig_info with check_kill_permission and the security hook, send_signal: __sigqueue_alloc of a siginfo from its slab, sigaddset, complete_signal with signal_wake_up; Linux 3.1 kernel/signal.c) / ${IPC} = 354, + 3 atomics (rcu, siglock, the sigqueue count) at ${LOCKED}`,
    },
    sys_tkill: {
      value: 400,
      source: `est.: ~490 instructions (do_tkill: find_task_by_vpid, check_kill_permission, do_send_sig_info -> send_signal as for kill; Linux 3.1 kernel/signal.c) / ${IPC} = 333, + 3 atomics at ${LOCKED}`,
    },
    sys_tgkill: {
      value: 403,
      source: `= natives.sys_tkill 400 + ~5 instructions for the tgid comparison (Linux 3.1 kernel/signal.c do_tkill) / ${IPC} = 3`,
    },
    sys_readv: {
      value: 160,
      source: `= natives.sys_read 100 + ~90 instructions of rw_copy_check_uvector (the iovec array copy and the per-segment access_ok) and the do_readv_writev loop (Linux 3.1 fs/read_write.c) / ${IPC} = 61, rounded; the bytes are charged as copy_user_per_byte`,
    },
    sys_writev: {
      value: 160,
      source: `= natives.sys_write 100 + ~90 instructions of rw_copy_check_uvector and the do_readv_writev loop (Linux 3.1 fs/read_write.c) / ${IPC} = 61, rounded; the bytes are charged as copy_user_per_byte`,
    },
    sys_pread64: {
      value: 104,
      source: `= natives.sys_read 100 + ~6 instructions (the FMODE_PREAD test and the explicit position; Linux 3.1 fs/read_write.c) / ${IPC} = 4`,
    },
    sys_lseek: {
      value: 55,
      source: `est.: ~50 instructions (fget_light, vfs_llseek -> generic_file_llseek with the i_mutex-free size read, fput_light; Linux 3.1 fs/read_write.c) / ${IPC} = 34, + 1 atomic (f_pos lock-free, the file reference) at ${LOCKED}`,
    },
    sys_newfstat: {
      value: 150,
      source: `est.: ~150 instructions (fget_light, vfs_getattr with security_inode_getattr and generic_fillattr, cp_new_stat building the 144-byte struct stat and its copy_to_user, not charged per byte; Linux 3.1 fs/stat.c) / ${IPC} = 102, + the copy est. 30, + 1 atomic at ${LOCKED}`,
    },
    sys_newstat: {
      value: 680,
      source: `= natives.sys_chdir 510's path lookup + ~250 instructions of vfs_getattr and cp_new_stat (Linux 3.1 fs/stat.c) / ${IPC} = 170; the path bytes are charged as copy_user_per_byte`,
    },
    sys_newlstat: {
      value: 680,
      source: `= natives.sys_newstat 680: the same lookup without following a final symlink (Linux 3.1 fs/stat.c vfs_lstat)`,
    },
    sys_newfstatat: {
      value: 684,
      source: `= natives.sys_newstat 680 + ~6 instructions for the dfd and flag tests (Linux 3.1 fs/stat.c vfs_fstatat) / ${IPC} = 4; with AT_EMPTY_PATH glibc's fstat lands here too and walks an empty path`,
    },
    sys_ioctl: {
      value: 70,
      source: `est.: ~70 instructions to fail a terminal ioctl on a non-terminal (fget_light, security_file_ioctl, do_vfs_ioctl's switch, vfs_ioctl returning -ENOTTY for a file without unlocked_ioctl, fput_light; Linux 3.1 fs/ioctl.c) / ${IPC} = 48, + 1 atomic at ${LOCKED}`,
    },
    sys_fcntl: {
      value: 60,
      source: `est.: ~60 instructions (fget_raw_light, security_file_fcntl, do_fcntl's switch, F_GETFL/F_SETFD under files->file_lock for the latter; Linux 3.1 fs/fcntl.c) / ${IPC} = 41, + 1 atomic at ${LOCKED}`,
    },
    sys_dup2: {
      value: 90,
      source: `est.: ~70 instructions (spin_lock(files->file_lock), fcheck, the fd table update and filp_close of a replaced file; Linux 3.1 fs/fcntl.c sys_dup3) / ${IPC} = 48, + 2 atomics at ${LOCKED}`,
    },
    sys_dup3: {
      value: 90,
      source: `= natives.sys_dup2 90 (dup2 is dup3 with flags 0 in Linux 3.1 fs/fcntl.c)`,
    },
    sys_pipe: {
      value: 1700,
      source: `est.: ~2,000 instructions (do_pipe_flags: create_write_pipe with a pipefs inode and dentry, alloc_pipe_info, two get_empty_filp, two get_unused_fd_flags and fd_install, the 8-byte copy_to_user; Linux 3.1 fs/pipe.c) / ${IPC} = 1,361, + 17 atomics (inode, dentry, mount and file references, files lock) at ${LOCKED}`,
    },
    sys_pipe2: {
      value: 1700,
      source: `= natives.sys_pipe 1700 (pipe is pipe2 with flags 0 in Linux 3.1 fs/pipe.c)`,
    },
    sys_unlink: {
      value: 1300,
      source: `est.: ~1,400 instructions (getname, path lookup of the parent, lookup_hash, may_delete, vfs_unlink with the inode's unlink operation, d_delete, iput; Linux 3.1 fs/namei.c) / ${IPC} = 952, + 17 atomics (i_mutex, references) at ${LOCKED}; the path bytes are charged as copy_user_per_byte`,
    },
    sys_rename: {
      value: 2400,
      source: `est.: ~2,600 instructions (two getnames and parent lookups, lock_rename, two lookup_hash, vfs_rename with d_move; Linux 3.1 fs/namei.c) / ${IPC} = 1,769, + 31 atomics (rename_lock, i_mutexes, references) at ${LOCKED}; the path bytes are charged as copy_user_per_byte`,
    },
    sys_readlink: {
      value: 900,
      source: `est.: ~1,000 instructions for /proc/self/exe (user_path_at on procfs with proc_pid_lookup, proc_exe_link with get_mm_exe_file, d_path into a page; Linux 3.1 fs/stat.c, fs/proc/base.c) / ${IPC} = 680, + 11 atomics at ${LOCKED}; the bytes are charged as copy_user_per_byte`,
    },
    sys_fork: {
      value: 45000,
      source: `est.: est.: ~13 µs for fork of a small static process on a 2011 desktop core (lmbench lat_proc fork+exit ~ 40-60 µs on that class of machine, of which the fork call itself about a quarter) at 3.4 GHz: copy_process (task_struct, creds, files, fs, sighand, signal, mm with dup_mmap and the page tables of ~200 pages with copy-on-write PTE copies; Linux 3.1 kernel/fork.c). Here every user page is copied outright; that copy is not priced separately`,
    },
    sys_vfork: {
      value: 45000,
      source: `= natives.sys_fork 45000: vfork differs by sharing the mm (no dup_mmap) and suspending the parent, which is not modelled here`,
    },
    sys_clone: {
      value: 45000,
      source: `= natives.sys_fork 45000: glibc's fork is clone(CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD) through the same copy_process (Linux 3.1 kernel/fork.c)`,
    },
    sys_wait4: {
      value: 700,
      source: `est.: ~800 instructions to reap an exited child (do_wait: the children list walk, wait_consider_task, wait_task_zombie with the rusage and status copies, release_task; Linux 3.1 kernel/exit.c) / ${IPC} = 544, + 8 atomics (tasklist_lock, siglock, references) at ${LOCKED}, rounded; a call that finds no exited child retries after a switch here (no wait queue)`,
    },
    sys_execve: {
      value: 74000,
      source: `est.: ~100,000 instructions for execve of a small static ELF (do_execve: open_exec's path walk, bprm_mm_init, copy_strings of argv and envp; load_elf_binary: flush_old_exec with exit_mmap of the old image's pages and page tables, setup_new_exec, elf_map of the PT_LOAD segments, set_brk, setup_arg_pages, create_elf_tables; Linux 3.1 fs/exec.c, fs/binfmt_elf.c) / ${IPC} = 68,027, + ~300 atomics (page and mapping references, mmap_sem, the files and sighand locks) at ${LOCKED} = 6,000, rounded. The argument strings are charged as copy_user_per_byte; the new image's pages are faulted in lazily on Linux and mapped at once here, which is not priced separately`,
    },
    sys_ptrace: {
      value: 460,
      source: `est.: ~500 instructions for one request on a stopped tracee (ptrace_get_task_struct, ptrace_check_attach under tasklist_lock, arch_ptrace's switch, then genregs_get/set of 27 registers, putreg of one word, or ptrace_resume with wake_up_state; Linux 3.1 kernel/ptrace.c, arch/x86/kernel/ptrace.c) / ${IPC} = 340, + 6 atomics (task reference, tasklist_lock, siglock) at ${LOCKED} = 120; the user_regs_struct copies are copy_user_per_byte`,
    },
    sys_seccomp: {
      value: 71,
      source: `est.: ~45 instructions (do_seccomp's op switch, seccomp_set_mode_filter's flag tests, seccomp_may_assign_mode, seccomp_assign_mode; Linux 6.x kernel/seccomp.c) / ${IPC} = 31, + 2 atomics (the siglock, set_task_syscall_work) at ${LOCKED}; as for natives.sys_prctl, the copies are copy_user_per_byte and the checker and cache preparation are not priced; the linux-generic table only (3.1 has no number 317)`,
    },
    sys_access: {
      value: 560,
      source: `= natives.sys_chdir 510's lookup (getname, RCU-walk, putname) + ~70 instructions of sys_faccessat's credential override (prepare_creds/override_creds with the fsuid swap) and inode_permission (Linux 3.1 fs/open.c) / ${IPC} = 48, rounded; the path bytes are charged as copy_user_per_byte`,
    },
    sys_faccessat: {
      value: 564,
      source: `= natives.sys_access 560 + ~6 instructions for the dfd (access is faccessat(AT_FDCWD) in Linux 3.1 fs/open.c) / ${IPC} = 4`,
    },
    sys_faccessat2: {
      value: 568,
      source: `= natives.sys_faccessat 564 + ~6 instructions for the flags test (Linux 5.8+ fs/open.c do_faccessat) / ${IPC} = 4; the linux-generic table only (3.1 has no number 439)`,
    },
    sys_getdents64: {
      value: 900,
      source: `est.: ~1,000 instructions for one call on a small directory (fget_light, vfs_readdir under i_mutex, the file system's readdir with one filldir64 per entry and its __put_user stores, fput_light; Linux 3.1 fs/readdir.c, ext4 htree readdir of a cached directory) / ${IPC} = 680, + 10 atomics at ${LOCKED}, rounded; the record bytes are charged as copy_user_per_byte`,
    },
    sys_readlinkat: {
      value: 904,
      source: `= natives.sys_readlink 900 + ~6 instructions for the dfd (readlink is readlinkat(AT_FDCWD) in Linux 3.1 fs/stat.c) / ${IPC} = 4`,
    },
    sys_getrandom: {
      value: 400,
      source: `est.: ~550 instructions for a small request (the flag checks, wait_for_random_bytes's crng_ready test, get_random_bytes_user's ChaCha20 block per 64 bytes for the first block; Linux 5.18+ drivers/char/random.c) / ${IPC} = 374, rounded; the bytes are charged as copy_user_per_byte; the linux-generic table only (3.1 has no number 318)`,
    },
    sys_sched_getaffinity: {
      value: 200,
      source: `est.: ~250 instructions (find_process_by_pid under rcu_read_lock, security_task_getscheduler, the cpumask_and of cpus_allowed with cpu_online_mask under pi_lock, the copy_to_user of one long; Linux 3.1 kernel/sched.c) / ${IPC} = 170, + 1 atomic (pi_lock) at ${LOCKED}, rounded`,
    },
    sys_sysinfo: {
      value: 500,
      source: `est.: ~700 instructions (do_sysinfo: get_monotonic_boottime, the load averages, si_meminfo and si_swapinfo with the swap lock, nr_threads, the 112-byte copy_to_user; Linux 3.1 kernel/timer.c) / ${IPC} = 476, + 1 atomic at ${LOCKED}, rounded`,
    },
    sys_getxattr: {
      value: 700,
      source: `= natives.sys_chdir 510's lookup (getname, RCU-walk, putname) + ~280 instructions of getxattr (the name's strncpy_from_user, xattr_permission, security_inode_getxattr, vfs_getxattr reaching the file system's handler that finds no attribute; Linux 3.1 fs/xattr.c) / ${IPC} = 190, rounded`,
    },
    sys_lgetxattr: {
      value: 700,
      source: `= natives.sys_getxattr 700: the same lookup without following a final symlink (Linux 3.1 fs/xattr.c)`,
    },
    sys_fgetxattr: {
      value: 250,
      source: `= natives.sys_getxattr 700 without the path lookup (fget_light instead of ~450 cycles of getname and RCU-walk; Linux 3.1 fs/xattr.c), rounded`,
    },
    sys_statx: {
      value: 700,
      source: `= natives.sys_newfstatat 684 + ~20 instructions of cp_statx filling the larger struct statx (Linux 4.11+ fs/stat.c) / ${IPC} = 14, rounded; the linux-generic table only (3.1 has no number 332)`,
    },
    sys_pwrite64: {
      value: 104,
      source: `= natives.sys_write 100 + ~6 instructions (the FMODE_PWRITE test and the explicit position; Linux 3.1 fs/read_write.c) / ${IPC} = 4; the bytes are charged as copy_user_per_byte`,
    },
    sys_fsync: {
      value: 47,
      source: `est.: ~40 instructions (fget, vfs_fsync_range reaching tmpfs's noop_fsync, fput; Linux 3.1 fs/sync.c, fs/libfs.c) / ${IPC} = 27, + 1 atomic (the file reference) at ${LOCKED}. The guest's files live in memory as on tmpfs; a disk file system's fsync (the journal commit and the device flush, milliseconds) is not modelled`,
    },
    sys_fdatasync: {
      value: 47,
      source:
        "= natives.sys_fsync 47 (do_fsync with datasync = 1 reaches the same noop_fsync; Linux 3.1 fs/sync.c)",
    },
    sys_ftruncate: {
      value: 490,
      source: `est.: ~600 instructions (do_sys_ftruncate: fget, locks_verify_truncate, security_path_truncate, do_truncate under i_mutex with notify_change -> shmem_setattr -> truncate_setsize and truncate_pagecache of a few pages; Linux 3.1 fs/open.c, mm/shmem.c) / ${IPC} = 408, + 4 atomics (i_mutex, the file reference, i_alloc_sem, the mapping's tree lock) at ${LOCKED}, rounded`,
    },
    sys_truncate: {
      value: 1000,
      source:
        "= natives.sys_chdir 510's path lookup + natives.sys_ftruncate 490 (do_sys_truncate: user_path, inode_permission, then the same do_truncate; Linux 3.1 fs/open.c); the path bytes are charged as copy_user_per_byte",
    },
    sys_fchown: {
      value: 300,
      source: `est.: ~350 instructions (fget, mnt_want_write_file, chown_common under i_mutex: notify_change with inode_change_ok, security_inode_setattr, setattr_copy and mark_inode_dirty; Linux 3.1 fs/open.c, fs/attr.c) / ${IPC} = 238, + 3 atomics (i_mutex, the mount write count, the file reference) at ${LOCKED}, rounded`,
    },
    sys_msync: {
      value: 120,
      source: `est.: ~150 instructions for a range inside one shared mapping of a tmpfs file (the flag and alignment checks, down_read(mmap_sem), find_vma, the VM_SHARED test and, for MS_SYNC, vfs_fsync_range reaching noop_fsync, up_read; Linux 3.1 mm/msync.c) / ${IPC} = 102, + 1 atomic (mmap_sem) at ${LOCKED}, rounded. Dirty pages of a disk file system would be written back here; the guest's files live in memory`,
    },
    posix_lock_file: {
      value: 300,
      source: `est.: ~350 instructions for one record-lock request on top of sys_fcntl's dispatch (fcntl_setlk / fcntl_getlk: the 32-byte struct flock copy, flock_to_posix_lock, locks_alloc_lock from its slab, posix_lock_file's walk of the inode's i_flock list with the split and merge and the preallocated second lock, locks_free_lock; Linux 3.1 fs/locks.c) / ${IPC} = 238, + 3 atomics (lock_flocks's spinlock taken and released, the slab) at ${LOCKED}, rounded. A blocked F_SETLKW's retries are charged again each time (this model polls instead of sleeping on fl_wait)`,
    },
    copy_user_per_byte: {
      value: 0.125,
      source:
        "Intel 64 and IA-32 Architectures Optimization Reference Manual (order no. 248966), 'REP String Enhancement': " +
        "REP MOVSQ of intermediate length (12 < RCX < 76) costs about 15 cycles of startup + 1 cycle per qword " +
        "= 1/8 cycle per byte; fast strings (RCX >= 76, 608+ bytes) cost about 40 cycles + 4 per 64 bytes " +
        "(1/16 per byte), so long copies are priced up to 2x high. Sandy Bridge has no ERMSB and sets REP_GOOD, so " +
        "Linux 3.1 copies with copy_user_generic_string (REP MOVSQ + REP MOVSB tail, arch/x86/lib/copy_user_64.S). " +
        "The manual's figures are for the Nehalem generation (no separate Sandy Bridge figure for non-ERMSB REP MOVS); " +
        "the startup is in the copying natives' bodies. strncpy_from_user (a byte loop) is priced the same",
    },
    do_exit: {
      value: 8290,
      source: `est.: ~10,000 instructions for do_exit of a small single-threaded task (exit_mm with mmput of a few VMAs, exit_files, exit_notify, release of the task; Linux 3.1 kernel/exit.c) / ${IPC} = 6,800, + ~60 atomics at ${LOCKED} = 1,200, + the final schedule()'s pick-next part as natives.schedule 290 (the kernel picks the next task itself; the switch is charged as natives.context_switch); paid once per task`,
    },
    secure_computing: {
      value: 10,
      source: `est.: ~15 instructions for mode-1 (strict) seccomp: load current->seccomp.mode and scan the 4-entry mode1_syscalls list (Linux 3.1 kernel/seccomp.c) / ${IPC}. In filter mode the same call's own work (the mode switch and the switch on the filters' action, Linux 3.5 kernel/seccomp.c __secure_computing) is about as long and priced the same; the filters are seccomp_data_populate, seccomp_cache_check, seccomp_filter_run and seccomp_bpf_insn`,
    },
    seccomp_data_populate: {
      value: 14,
      source: `est.: ~20 instructions for populate_seccomp_data (syscall_get_arch's TS_COMPAT test, syscall_get_arguments' 6 loads, and the nr, arch, instruction_pointer and 6 argument stores into the on-stack struct; Linux 5.15 kernel/seccomp.c) / ${IPC}; 3.5 had no such struct and read pt_regs per load through seccomp_bpf_load()`,
    },
    seccomp_cache_check: {
      value: 7,
      source: `est.: ~10 instructions for seccomp_cache_check_allow (READ_ONCE(current->seccomp.filter), the arch compare, the nr bounds check, array_index_nospec's cmp/sbb/and, test_bit; Linux 5.15 kernel/seccomp.c) / ${IPC}. Charged on every checked call while the cache is on, hit or miss; a hit runs no filter. Cross-check: Kees Cook 2020's "BPF-less allow" prototype costs +21-24 ns against +41-43 ns for one JIT-compiled filter (docs/sources.md#seccomp-figures), i.e. the allow shortcut saves about the per-filter cost`,
    },
    seccomp_filter_run: {
      value: 60,
      source:
        "Kees Cook 2020, BPF JIT on: per additional 1-instruction RET_ALLOW filter 17-18 ns (Message-Id 202005291043.A63D910A8@keescook; docs/sources.md#seccomp-figures), midpoint 17.5 ns x 3.4 GHz = 60 cycles: the seccomp_run_filters loop step, the indirect call into the program and its prologue; the JIT-compiled program itself (a mov and a ret) is within rounding. " +
        "The 2020 figure (x86_64 VM, CPU not stated) includes a retpolined indirect call that 2011 kernels did not have, so this is an upper bound. " +
        "Cross-check, not used: the same benchmark with the JIT off gives 80 ns = 272 cycles per 1-instruction filter, against 60 + seccomp_bpf_insn 6 = 66 here; the difference fits the 2020 interpreter's ~5 eBPF instructions (3 prologue + 2 for RET) each dispatched through a retpolined indirect jump (est. ~40 cycles each)",
    },
    seccomp_bpf_insn: {
      value: 6,
      source:
        "Tom Hromatka (Oracle), LPC 2018 / libseccomp issue #116: getppid behind a linear 306-syscall libseccomp filter costs 256 min TSC ticks when matched at the front and 1942 at the end, (1942 - 256) / ~285 rules skipped = 5.9 ticks per rule (docs/sources.md#seccomp-figures, #profile-2011 row 'per BPF compare in a linear filter'). " +
        "In libseccomp's linear layout a skipped rule is one executed jeq, so this is the cost per classic instruction executed; TSC ticks taken as core cycles (the CPU is not stated)",
    },
    tracehook_report_syscall: {
      value: 1844,
      source: `est.: the tracee's side of one ptrace stop: ~700 instructions (ptrace_report_syscall -> ptrace_notify -> ptrace_stop with siglock, do_notify_parent_cldstop sending SIGCHLD, try_to_wake_up of the tracer, and the tracer's wake-up of the tracee; Linux 3.1 include/linux/tracehook.h, kernel/signal.c, kernel/sched.c) / ${IPC} = 476, + 8 atomics at ${LOCKED} = 160, + 2 switches (to the tracer and back) as natives.schedule 290 + natives.context_switch 314 each = 1,208. The tracer's own work is natives.ptrace_tracer_per_stop (charged by the ptrace design's supervisor)`,
    },
    ptrace_tracer_per_stop: {
      value: 2092,
      source: `est.: a strace-like supervisor's own work for one stop (its loop: wait4 returns, ptrace(PTRACE_GETREGS), decide by orig_rax, ptrace(PTRACE_SYSCALL), wait4 again until it sleeps): ~1,920 instructions (do_wait's retry with wait_task_stopped and the status put_user ~400; sys_ptrace GETREGS with ptrace_get_task_struct, ptrace_check_attach, genregs_get of 27 registers ~700; the decision ~20; sys_ptrace SYSCALL with ptrace_resume ~400; do_wait up to its schedule() ~400; Linux 3.1 kernel/exit.c, kernel/ptrace.c, arch/x86/kernel/ptrace.c) / ${IPC} = 1,306, + ~12 atomics (task refcounts, siglock, tasklist_lock, wait-queue locks) at ${LOCKED} = 240, + 3 syscall round trips of the tracer at 168 cycles each (this profile's null getppid round trip 194 minus natives.sys_getppid 26) = 504, + the 216-byte user_regs_struct copy as REP startup 15 + 27 qwords = 42. The wake-ups and the two switches are natives.tracehook_report_syscall. Not fitted: a measured ptrace stop is far slower (systrace-like README, Haswell + KPTI: ~13 µs per call = ~6.4 µs per stop = ~21,700 cycles at 3.4 GHz; docs/sources.md#ptrace-figures), the gap being cross-CPU wake-up latency, KPTI and cache/TLB refill after the address-space switches, none of which the model prices; a denied call's PTRACE_POKEUSER is not priced either`,
    },
    trace_sys_enter: {
      value: 266,
      source: `est.: ~350 instructions for one recorded syscall event (the tracepoint's probe loop, ftrace_syscall_enter/exit: trace_current_buffer_lock_reserve, tracing_generic_entry_update, the argument stores, trace_current_buffer_unlock_commit; Linux 3.1 kernel/trace/trace_syscalls.c, kernel/trace/ring_buffer.c) / ${IPC} = 238, + the ring-buffer time stamp as classes.rdtsc 28; the ring buffer uses local_t operations, which are not LOCK-prefixed on x86`,
    },
    context_switch: {
      value: 314,
      source: `est.: ~250 instructions (prepare_task_switch, switch_mm, switch_to's register save/restore, __switch_to with the FPU state test, segment and TLS reloads and the per-cpu current/kernel_stack updates, finish_task_switch with the rq unlock; Linux 3.1 kernel/sched.c, arch/x86/include/asm/mmu_context.h, arch/x86/kernel/process_64.c) / ${IPC} = 170, + load_cr3 as classes.mov_cr3 100, + 2 atomics (cpumask_clear_cpu/cpumask_set_cpu on mm_cpumask) at ${LOCKED}, + local_irq_enable as classes.sti 4`,
    },
  },
};
