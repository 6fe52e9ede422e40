// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package percpu provides typed per-CPU variables for TamaGo kernels that run
// one Go scheduler M on every CPU.
//
// # Model
//
// Every per-CPU variable has one offset inside an area; every CPU has one
// area; the per-CPU register of a CPU holds the base of its area. A local
// access is register + offset, a remote access is the base of another CPU's
// area + offset. This is the model of Linux DEFINE_PER_CPU and of the Rust
// percpu crate (arceos), whose API this package mirrors:
//
//	Rust percpu 0.4                 this package
//	#[def_percpu] static X: T = v   var X = percpu.Define[T](v)
//	X.offset()                      X.Offset()
//	X.current_ptr()                 X.RawPtr()
//	X.read_current[_raw]()          X.Read(), X.RawRead()
//	X.write_current[_raw](v)        X.Write(v), X.RawWrite(v)
//	X.with_current(|v| ...)         X.With(func(v *T) { ... })
//	X.reset_to_init()               X.Reset()
//	X.remote_ptr(cpu)               X.Remote(cpu)
//	(none)                          percpu.Add(X, delta)   (Linux this_cpu_add)
//	init_in_place()                 InitInPlace()
//	init(base, cpu_count)           Init(base, ncpu)
//	percpu_area_layout_expected(n)  RegionLayout(n)
//	percpu_area_num/size/base       AreaNum, AreaSize, AreaStride, AreaBase
//	read/write/init_percpu_reg      ReadReg, WriteReg, InitReg
//	sp-naive feature                percpu_naive build tag
//
// Variables are declared at package level with their initial value:
//
//	var hits = percpu.Define[uint64](0)
//
// [Define] and [New] append the variable to a template area. The layout is
// frozen when the areas are initialised ([InitInPlace] over the linker region,
// or [Init] at a caller-provided base): the template is copied into every
// area, a header is written at the start of each, and no variable can be
// defined afterwards. An area is
//
//	offset 0   self pointer (uint64): the base of this area
//	offset 8   CPU id (uint64)
//	offset 16  magic (uint64): checked by the fast paths (see below)
//	offset 24  the variables, each aligned to its type, 1/2/4/8-byte
//	           variables aligned to their size
//
// and areas are [linker.AreaAlign] (64, a cache line) bytes apart at least:
// [AreaStride] is [AreaSize] rounded up to 64.
//
// The areas are not scanned by the garbage collector: a type that holds
// pointers (pointers, slices, maps, channels, funcs, interfaces, strings,
// unsafe.Pointer, at any depth) is refused by [New] and [Define].
//
// # Registers
//
//	ISA            register     read / written              why this register
//	-------------  -----------  --------------------------  --------------------------------------
//	x86_64         GS_BASE      RDMSR/WRMSR 0xC0000101      Go on tamago keeps its TLS in FS
//	(GOOS=tamago)               (ring 0); accesses are      (runtime·settls writes FS_BASE); no Go
//	                            gs:[off] operands           or tamago code uses GS
//	aarch64, EL2   TPIDR_EL2    MRS/MSR as WORDs (the Go    untouched by Go and tamago v1.26; the
//	                            assembler has no _EL2       hypervisor's own thread ID register
//	                            names)                      (Rust percpu arm-el2)
//	aarch64, EL1   TPIDR_EL1    MRS/MSR TPIDR_EL1           untouched by Go (its TLS register is
//	                                                        TPIDR_EL0, cgo only) and tamago v1.26
//	riscv64        gp (x3)      MOV GP, A0 / MOV A0, GP     never allocated by the Go compiler (x3
//	                                                        is in no register mask); tp (x4) is
//	                                                        the assembler's TLS register
//	linux/amd64    GS base of   arch_prctl(ARCH_GET_GS,     Go on linux/amd64 uses FS for TLS; the
//	host           the thread   ARCH_SET_GS)                kernel switches GS with the thread
//	other hosts    package var  load / store                one CPU, for tests
//	percpu_naive   none         -                           one CPU, a plain global area
//
// On arm64 the register is chosen once, when the package is initialised, from
// CurrentEL: TPIDR_EL2 when the kernel runs at EL2, TPIDR_EL1 otherwise. All
// CPUs run at the same exception level. [RegName] names the register in use.
//
// The boot CPU's register is set before any Go code runs (by the board's
// cpuinit, to area 0 at the 64-byte aligned start of the linker region), each
// secondary CPU's by its entry trampoline, from [AreaBase]; [InitReg] does the
// same from Go. Each CPU writes only its own register.
//
// # Access tiers and why they are safe
//
// A goroutine may move to another CPU between any two Go statements. The
// accessors are in four tiers, named by what the caller must guarantee.
//
// Single call: [Var.Read], [Var.Write] and [Add] on a variable of 1, 2, 4 or 8
// bytes (integers, bool, floats, small pointer-free structs), and [CPU]. The
// generic wrapper is inlined, so the call site makes one call of an assembly
// leaf function, with two arguments: the slot key (the offset, with the size
// of the type folded in at compile time; the offset alone for 8 bytes) and
// the value or its address. The leaf checks the register, recognises an
// 8-byte slot with one compare (other sizes cost a few more) and does the
// access with one register-relative instruction. For Add on a uint64:
//
//	x86_64    CMPQ gs:[16], $magic; JNE fault; CMPQ key, $2^31-1; JA small;
//	          ADDQ delta, gs:[key]
//	arm64     (EL choice) MRS TPIDR_ELx, R0; CBZ R0, fault; LSR $32, key;
//	          CBNZ small; LDR; ADD; STR
//	riscv64   BEQZ GP, fault; SRLI $32, key; BNEZ small; ADD GP, key; LD;
//	          ADD; SD
//
// Go has no inline assembly, so one call is the floor of a per-CPU access
// from Go; docs/BENCH.md measures the leaves against a call that does the
// register-relative add alone, and against the alternatives (a plain global,
// sync/atomic, sync.Mutex, a per-P array under runtime.procPin).
//
// Why one CPU runs the whole leaf: on GOOS=tamago there is no asynchronous
// preemption, so a goroutine changes CPU only at a cooperative preemption
// point in Go code (a stack check in a function prologue, a blocking call),
// never inside an assembly function; TamaGo services interrupts in a goroutine
// (ServiceInterrupts), not in exception context, so no Go code runs on the
// CPU in the middle of the leaf either. On the linux/amd64 host the runtime
// never preempts asynchronously inside assembly (assembly functions are not
// asynchronous safe points), a signal handler returns to the same instruction
// on the same thread, and the GS base belongs to the thread. The register and
// the slot therefore always belong to the same CPU for the whole leaf, and
// each operation is correct for its own reason:
//
//   - Read is one load: it returns the value of the CPU that ran the leaf.
//   - Write is one store: it sets the value of the CPU that ran the leaf.
//   - Add is one read-modify-write of the slot of the CPU that ran the leaf.
//     No other goroutine runs on that CPU during the leaf and no other CPU
//     writes the slot (except through [Var.Remote], see Add), so no update
//     is lost without an atomic instruction. On x86 it is a single
//     GS-relative ADD, which even an interrupt cannot split (Linux
//     this_cpu_add); on arm64 and riscv64 it is a load, an add and a store,
//     safe against migration and against other goroutines, but not against
//     a write to the same slot from an exception handler on the same CPU.
//   - CPU is one load of the header: the id of the CPU that ran the leaf.
//
// A migration just before or just after the call only changes which CPU's
// slot is used, which is what a per-CPU counter wants: the sum over all CPUs
// is exact (the argument of Linux this_cpu_add). None of them pins: a pin is
// two runtime calls (runtime.procPin and procUnpin), more than the access.
// TestMigration and TestConcurrentAdd (stress_test.go) move goroutines
// between CPUs under garbage collection and check that no access ever lands
// on another CPU's slot and that the per-CPU sums are exact.
//
// Pinned: [Var.With], and [Var.Read], [Var.Write] and [Var.Reset] on
// variables of other sizes (the assembly leaf jumps to a Go copy). They pin
// the goroutine with runtime.procPin (the pin of sync.Pool), which raises
// m.locks so that the scheduler neither preempts nor moves the goroutine until
// runtime.procUnpin. On TamaGo each M runs on one CPU for life (goos.Task
// starts one M per CPU and Ms are never dropped), on the host each M is one
// thread, so the CPU cannot change while pinned. The function given to With
// must therefore not block, must not panic and should be short: it runs with
// preemption off, like code between Linux get_cpu_var and put_cpu_var.
//
// Raw: [Var.RawPtr], [Var.RawRead] and [Var.RawWrite] do not pin. The caller
// guarantees that the goroutine stays on its CPU while it uses the result: from
// inside With (or boot.OnEachCPU, which pins the same way), or, on the host,
// from a goroutine locked with [runtime.LockOSThread]. Do not lock OS threads
// on TamaGo: a locked goroutine that blocks makes the runtime ask for one more
// M, and there is no CPU left to run it. Use them in hot loops.
//
// Remote: [Var.Remote] returns a pointer into another CPU's area. Nothing
// synchronises it with that CPU: the caller avoids data races (for example by
// reading after the owner stopped writing, or by using sync/atomic on both
// sides).
//
// # Registers that were never set, areas that were never initialised
//
// A per-CPU access must never become a write near address 0. Each fast path
// checks the register with one instruction and a branch (predicted not
// taken), and panics with a message that names the cause ("percpu: gs_base is
// 0 on this CPU: register never set (InitReg)", "percpu: areas not
// initialised (InitInPlace/Init)"):
//
//   - x86_64: CMPQ gs:[16], $magic; JNE. The magic is written by Init: the
//     check fails when the areas are not initialised (the word is 0) and when
//     GS_BASE points at memory that is not an area, where a non-zero self
//     pointer check would pass. A GS_BASE of 0 makes the load itself fault
//     at address 0x10, a read, since page 0 is mapped on neither system:
//     tamago amd64 unmaps the zero page (amd64/init.s, PT[0]) and the
//     kernel's fault report (arch/amd64 EnableFaultReports) prints the CPU,
//     cr2=0x10 and gs_base=0 and stops the machine; Linux never maps it
//     (vm.mmap_min_addr) and Go reports a nil pointer dereference there.
//   - arm64, riscv64: CBZ / BEQZ on the base: a register that was never set
//     is 0. A register that is set before the areas are initialised (the boot
//     CPU between cpuinit and InitInPlace) points into the region, so an access
//     there is not wild; the values are those of the empty area until Init
//     copies the template.
//
// # Bad input
//
// Every misuse fails loudly, with an [Error] that wraps one of the Err*
// values and names the offending value and the limit (docs/RELIABILITY.md
// has the full table, with the host test and the boot-time check of each):
//
//	case                              behaviour                     message (example)
//	type holding pointers             New: ErrPointers; Define      type *int holds pointers: it is a pointer (*int);
//	                                  panics with it                per-CPU areas are not scanned by the garbage collector
//	New/Define after Init             ErrFrozen (panic in Define)   New[uint32] after the layout was frozen by Init: the
//	                                                                area size (128 bytes) is final
//	region too small for one area     InitInPlace: ErrTooManyCPUs   1 CPU needs 1088 bytes (one 1088-byte area) but the
//	                                                                region [0x..., 0x...) holds 1000 bytes from ...
//	areas beyond the address space    Init: ErrTooManyCPUs          8 CPUs need 8 areas of 64 bytes but the address space
//	                                                                above base 0x... holds 256 bytes (4 areas)
//	more CPUs than areas              boot.Start parks the extra    cpus 4..7 present but left parked: only 4 per-CPU
//	                                  CPUs, the rest boots          areas of 64 bytes (256 bytes), 8 CPUs need 512 bytes
//	Init base 0 / misaligned          ErrNullBase / ErrMisaligned   base 0x10001 is not aligned to 64 bytes (it is 1
//	                                                                bytes past 0x10000)
//	Init CPU count < 1                ErrCPUCount                   CPU count 0 is below 1
//	CPU id < 0 or >= AreaNum()        Remote, AreaBase, InitReg     cpu 4 out of range: 4 areas (valid ids 0..3)
//	                                  panic ErrCPURange (InitReg
//	                                  before touching the register)
//	register never set (0)            arm64, riscv64: ErrRegister   gp is 0 on this CPU: register never set (InitReg)
//	                                  x86_64: fault at 0x10, read   exception: cpu 3 vector=14 (#PF) ... cr2=0x00..10
//	                                  (see above), never a write    gs_base=0x00..00 (kernel report, exit status 99)
//	register not an area (x86_64)     ErrRegister                   gs_base=0x... is not the base of a per-CPU area
//	                                                                (4 areas at 0x..., 64 bytes apart)
//	access before Init                ErrNotInitialised             areas not initialised (InitInPlace/Init)
//	Init or InitInPlace twice         ErrInitialised                areas already initialised (4 areas of 64 bytes at
//	                                                                0x...): Init and InitInPlace may run once
//
// Every message starts with "percpu: " (boot's with "boot: "). [Init] cannot
// check that the memory at base holds ncpu areas: the caller sizes it with
// [RegionLayout].
//
// # Builds
//
// The package builds with stock Go for any host and with tamago-go for
// GOOS=tamago on amd64, arm64 and riscv64. The register code for GOOS=tamago
// lives in files tagged tamago. On linux/amd64 hosts the same GS-relative
// assembly as the x86_64 kernel runs, with OS threads as CPUs: [InitReg] locks
// the calling goroutine to its thread ([runtime.LockOSThread]) and sets the
// thread's GS base. Use per-CPU variables there only from goroutines that
// called InitReg: another goroutine may run on a runtime thread whose GS base
// is 0, where an access faults. Other hosts use a software register shared by
// all goroutines (one CPU at a time).
//
// With the build tag percpu_naive (a single-core kernel) there is one area, in
// the linker region or at the base given to Init; the register functions do
// nothing and [ReadReg] returns the base of that area; Init and InitInPlace
// return 1. Goroutines that run in parallel on a host race on it like on any
// global variable.
package percpu
