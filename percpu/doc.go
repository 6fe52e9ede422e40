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
//	init(base, cpu_count)           Init(base, size, ncpu)
//	percpu_area_layout_expected(n)  RegionLayout(n)
//	percpu_area_num/size/base       AreaNum, AreaSize, AreaStride, AreaBase
//	read/write/init_percpu_reg      ReadReg, WriteReg, InitReg
//	sp-naive feature                percpu_naive build tag
//	(Linux alloc_percpu/free_percpu) Alloc, Free
//	(Linux percpu_counter,          Counter
//	FreeBSD counter(9))
//	(Linux for_each_online_cpu)     ForEach, Sum, SetOnline
//	(ax-percpu atomic primitives)   AtomicAdd
//
// Variables are declared at package level with their initial value:
//
//	var hits = percpu.Define[uint64](0)
//
// [Define] and [New] append the variable to a template area. The layout is
// frozen when the areas are initialized ([InitInPlace] over the linker region,
// or [Init] at a caller-provided base): the template is copied into every
// area, a header is written at the start of each, and no variable can be
// defined afterwards (allocate it with [Alloc]). An area is
//
//	offset 0   self pointer (uint64): the base of this area
//	offset 8   CPU id (uint64)
//	offset 16  magic (uint64): checked by the fast paths (see below)
//	offset 24  the variables, each aligned to its type, 1/2/4/8-byte
//	           variables aligned to their size; a zero-size variable
//	           takes one byte, so that every variable has its own offset
//	AreaSize   the first chunk of dynamic variables: DynamicReserve
//	           bytes and the padding to the next cache line
//
// and areas are [linker.AreaAlign] (64, a cache line) bytes apart:
// [AreaStride] is [AreaSize] + [DynamicReserve] rounded up to 64. Slot
// offsets stay below 2^32 (the slot key carries them in 32 bits): a
// variable that would end past that is refused ([ErrTooBig]).
//
// # Dynamic variables
//
// After Init, [Alloc] allocates a per-CPU variable with an initial value and
// [Free] gives it back; [NewCounter] allocates a [Counter]. As in Linux
// (mm/percpu.c), an allocated variable has one offset valid on every CPU,
// so it uses the same accessors and the same single-call fast paths as a
// defined one (docs/BENCH.md: percpu-dyn against percpu). It lives in a
// chunk, and every chunk has the per-CPU stride of the areas:
//
//	first chunk    the dynamic part of every area, after the defined
//	               variables (DynamicReserve bytes at least)
//	later chunks   AreaNum() * AreaStride() bytes each: first the memory
//	               past the last area in the memory given to Init or
//	               InitInPlace (InitInPlace makes at most linker.MaxCPUs
//	               areas and leaves the rest of the linker region to
//	               chunks), then Go heap memory, if it lies above area 0
//	               and within the 2^32 offset limit (on TamaGo the heap
//	               follows the kernel image; on a host it does not)
//
// CPU i's slot of a variable at offset off in a later chunk at address c is
// at AreaBase(i) + off = c + i*AreaStride(). A variable must fit in a chunk:
// at most [AreaStride] bytes ([ErrTooBig]); when no chunk has room and no
// memory is left for a new one Alloc returns [ErrNoSpace], naming the size
// wanted and the space left. Alloc and Free take a spin lock that pins the
// goroutine and never parks, so they may run from any goroutine, pinned or
// not, on every CPU at once; they are linear in [AreaNum] (the initial value
// is copied into every area).
//
// Free memory holds the poison byte 0x6b on every CPU (Linux
// POISON_FREE). Free poisons the slot; Alloc checks the poison of the slot
// it hands out and refuses it with [ErrPoison] if anything wrote there after
// the free; [CheckPoison] checks all free memory. A freed variable is
// refused by Free (double free), [Var.Remote], [Var.With] and [Sum]
// ([ErrFreed]); the build tag percpu_debug adds the check to Read, Write,
// Add and RawPtr too (one load and a branch each). Free of a variable from
// New or Define is refused with [ErrNotAllocated].
//
// # Counters
//
// [Counter] is a per-CPU int64: [Counter.Add] is the single-call [Add] on
// the current CPU's slot, [Counter.Sum] adds every online CPU's slot with
// one atomic load each, [Counter.Reset] stores 0 into every slot. Compared
// with:
//
//   - FreeBSD counter(9) (counter_u64_add, counter_u64_fetch,
//     counter_u64_zero): the same design, a per-CPU uint64 added to in a
//     critical section and fetched by summing every CPU without a lock; the
//     fetch "is not guaranteed to be precise" while updates run. Zeroing
//     there runs on every CPU through smp_rendezvous; here Reset writes the
//     slots remotely and is exact only when no CPU adds.
//   - Linux percpu_counter: per-CPU deltas folded into a shared count under
//     a spin lock every batch updates, so that percpu_counter_read is one
//     load off by at most batch * CPUs. Counter.Add has no shared count:
//     Sum costs one load per online CPU (docs/BENCH.md: counter-sum), its
//     error is bounded by the updates made during the call (below), not by
//     a batch, and no Add takes a lock or writes a shared cache line.
//     [Counter.AddBatched] and [Counter.Estimate] are the percpu_counter
//     pair: an atomic per-CPU add that folds the slot into a shared count
//     every batch, and one load of that count, off by at most (batch-1) per
//     area at quiescence.
//   - Go proposal #80645, sync.Counter: a counter sharded per P whose Add
//     scales and whose Load sums the shards, with the same trade (Load is
//     not a snapshot while Adds run, and exact once they stopped). Counter
//     is that counter for a kernel with per-CPU registers: a shard per CPU,
//     and no procPin around Add, which costs what percpu.Add costs.
//
// # Iterating over the CPUs
//
// [ForEach] calls a function with each online CPU and its slot of a
// variable, [Sum] adds an integer variable over them. The online set is
// what [SetOnline] was given (package boot passes its online CPUs; percpu
// does not import boot), all areas 0..AreaNum()-1 until then.
//
// Reading a slot while its owner writes it: a slot of 1, 2, 4 or 8 bytes is
// aligned to its size, an aligned load or store of it is single-copy atomic
// on every supported ISA (Intel SDM Vol. 3A, "Guaranteed Atomic
// Operations"; Arm ARM B2.2.1; RISC-V unprivileged spec, RVWMO memory model), and the single-call Write and Add store
// the slot with one store: a remote load sees the value before or after
// each of them, never a mix (TestRemoteReadWhileWriting). Sum loads 4 and 8
// byte slots with sync/atomic. Bound of Sum while CPUs add: each slot is
// read once, at some moment during the call, so with non-negative deltas the
// result lies between the true total at the start of the call and the one
// at its end, and in general it is off by at most the sum of the absolute
// values of the deltas added during the call (TestSumConcurrent, and the
// dynamic/stress self-test). Larger slots can be seen half written.
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
// On arm64 the register is chosen once, when the package is initialized, from
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
// the value or its address. The leaf checks the register, recognizes an
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
//     safe against migration and against other goroutines (see Interrupts
//     below).
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
// synchronizes it with that CPU: the caller avoids data races (for example by
// reading after the owner stopped writing, or by using sync/atomic on both
// sides).
//
// # Interrupts
//
// Which accessors stay correct when code on the same CPU, in exception
// context, touches the same slot: on x86 Read, Write and Add of 1 to 8
// bytes and CPU, each one instruction on the slot; on arm64 and riscv64
// Read, Write and CPU (one load or store), but not Add (a load, an add and
// a store: an exception handler's write between them is lost), nor With,
// Reset or the pinned sizes on any ISA. None is needed on TamaGo, because no
// Go code runs in exception context: the IRQ handlers of tamago
// (arm64/irq.s, amd64/irq.s) save state, call runtime·WakeG for the
// goroutine blocked in ServiceInterrupts and return; the interrupt is then
// serviced by that goroutine, which runs at a scheduling point like any
// other, never inside an assembly leaf. An update from the service routine
// is therefore an update from another goroutine, the case the migration
// argument above covers (the dynamic/isr-goroutine self-test counts the adds
// of both sides exactly). A kernel that runs Go code in exception context
// itself must not use Add on arm64 and riscv64 for slots the handler also
// writes (ax-percpu stores such values as atomics for this reason): it uses
// [AtomicAdd], one atomic read-modify-write of the current CPU's slot, which
// is also the add to use when other CPUs write the slot atomically (a remote
// drain, [Counter.Reset]). The fault reports of this kernel read no per-CPU
// variable.
//
// # Registers that were never set, areas that were never initialized
//
// A per-CPU access must never become a write near address 0. Each fast path
// checks the register with one instruction and a branch (predicted not
// taken), and panics with a message that names the cause ("percpu: gs_base is
// 0 on this CPU: register never set (InitReg)", "percpu: areas not
// initialized (InitInPlace/Init)"):
//
//   - x86_64: CMPQ gs:[16], $magic; JNE. The magic is written by Init: the
//     check fails when the areas are not initialized (the word is 0) and when
//     GS_BASE points at memory that is not an area, where a non-zero self
//     pointer check would pass. A GS_BASE of 0 makes the load itself fault
//     at address 0x10, a read, since page 0 is mapped on neither system:
//     tamago amd64 unmaps the zero page (amd64/init.s, PT[0]) and the
//     kernel's fault report (arch/amd64 EnableFaultReports) prints the CPU,
//     cr2=0x10 and gs_base=0 and stops the machine; Linux never maps it
//     (vm.mmap_min_addr) and Go reports a nil pointer dereference there.
//   - arm64, riscv64: CBZ / BEQZ on the base (a register that was never set
//     is 0), then a load of the self word of the header and a compare with
//     the base (two more instructions): Init writes each area's own address
//     there. A register that is set before the areas are initialized (the
//     boot CPU's, between cpuinit and InitInPlace, points into the empty
//     region) or that points at memory that is not an area fails it, so a
//     per-CPU variable used in package initialization, before Init, panics
//     as on x86_64 instead of reading zeros and losing writes.
//
// # Bad input
//
// Every misuse fails loudly, with an [Error] that wraps one of the Err*
// values and names the offending value and the limit (docs/RELIABILITY.md
// has the full table, with the host test and the boot-time check of each):
//
//	case                              behavior                     message (example)
//	type holding pointers             New: ErrPointers; Define      type *int holds pointers: it is a pointer (*int);
//	                                  panics with it                per-CPU areas are not scanned by the garbage collector
//	New/Define after Init             ErrFrozen (panic in Define)   Define[uint32] after the layout was frozen by
//	                                                                InitInPlace: the area size (128 bytes) is final;
//	                                                                allocate with Alloc
//	slot past 2^32                    New: ErrTooBig                New[uint64]: a slot at offset 0xfffffff8 of 8 bytes
//	                                                                would end at 0x100000000, past the limit of slot
//	                                                                offsets 0x100000000 (2^32)
//	region too small for one area     InitInPlace: ErrTooManyCPUs   1 CPU needs 1088 bytes (one 1088-byte area) but the
//	                                                                region [0x..., 0x...) holds 1000 bytes from ...
//	areas larger than the memory      Init: ErrTooManyCPUs          8 CPUs need 8 areas of 384 bytes (3072 bytes) but the
//	                                                                memory at base 0x... is 1024 bytes (2 areas)
//	memory beyond the address space   Init: ErrTooManyCPUs          128 bytes of memory at base 0x... pass the end of
//	                                                                the address space (64 bytes above base)
//	more CPUs than areas              boot.Start parks the extra    cpus 4..7 present but left parked: only 4 per-CPU
//	                                  CPUs, the rest boots          areas of 64 bytes (256 bytes), 8 CPUs need 512 bytes
//	Init base 0 / misaligned          ErrNullBase / ErrMisaligned   base 0x10001 is not aligned to 64 bytes (it is 1
//	                                                                byte past 0x10000)
//	Init CPU count < 1                ErrCPUCount                   CPU count 0 is below 1
//	CPU id < 0 or >= AreaNum()        Remote, AreaBase, InitReg     cpu 4 out of range: 4 areas (valid ids 0..3)
//	                                  panic ErrCPURange (InitReg
//	                                  before touching the register)
//	register never set (0)            arm64, riscv64: ErrRegister   gp is 0 on this CPU: register never set (InitReg)
//	                                  x86_64: fault at 0x10, read   exception: cpu 3 vector=14 (#PF) ... cr2=0x00..10
//	                                  (see above), never a write    gs_base=0x00..00 (kernel report, exit status 99)
//	register not an area              ErrRegister                   gs_base=0x... is not the base of a per-CPU area
//	                                                                (4 areas at 0x..., 64 bytes apart)
//	access before Init                ErrNotInitialized             areas not initialized (InitInPlace/Init)
//	Init or InitInPlace twice         ErrInitialized                areas already initialized (4 areas of 64 bytes at
//	                                                                0x...): Init and InitInPlace may run once
//	Alloc of a type with pointers     ErrPointers                   as New
//	Alloc larger than a chunk         ErrTooBig                     Alloc[[4096]uint64]: 32768 bytes, but a dynamic
//	                                                                variable holds at most 384 bytes (the area stride,
//	                                                                the per-CPU size of a chunk)
//	no space left                     Alloc: ErrNoSpace             Alloc[T]: no space for 64 bytes (aligned to 8) in 2
//	                                                                chunks: ... largest free extent 32 bytes; no memory
//	                                                                for another chunk of 8192 bytes (16 areas of 512
//	                                                                bytes): 64 bytes left after the areas ..., heap
//	                                                                memory at 0x... is not within 0x100000000 bytes ...
//	Free of a defined variable / nil  ErrNotAllocated               Free[uint64] of the variable at offset 0x58, defined
//	                                                                with New or Define: only variables from Alloc ...
//	double free; Remote, With, Sum    ErrFreed                      Free[uint64] of the variable at offset 0x180, which
//	after Free                                                      was already freed (use after free, or double free)
//	write through a freed variable    next Alloc of the slot:       Alloc[uint64]: byte 0 of the free slot at offset
//	                                  ErrPoison (percpu_debug: the  0x180 on cpu 0 is 0x34, want the poison 0x6b: it
//	                                  access panics with ErrFreed)  was written after it was freed; the slot stays unused
//	SetOnline out of range, twice     ErrOnline                     online cpu 4 out of range: 4 areas (valid ids 0..3)
//
// Every message starts with "percpu: " (boot's with "boot: ").
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
