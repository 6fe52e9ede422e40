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
// percpu crate, whose API this package mirrors (docs/PERCPU.md has the
// table, name by name).
//
// # Example
//
// Declare the variables at package level, with their initial value (types
// must hold no pointers: the areas are not scanned by the garbage
// collector):
//
//	var hits = percpu.Define[uint64](0)
//
// In main, before any other CPU runs, initialize the areas and bring the
// CPUs up; package console does both in one call, and prints the result:
//
//	report, err := console.Up(os.Stdout, boot.Options{}) // percpu.InitInPlace, boot.Start
//
// Then, on any CPU, from any goroutine:
//
//	percpu.Add(hits, 1)          // this CPU's slot
//	n := hits.Read()             // this CPU's value
//	m := *hits.Remote(2)         // CPU 2's value, unsynchronized
//	total := percpu.Sum(hits)    // over the online CPUs
//
// examples/minimal is a whole kernel in about forty lines.
//
// # Access tiers
//
// A goroutine may move to another CPU between any two Go statements. The
// accessors are in tiers, named by what the caller must guarantee.
//
// Safe, single call: [Var.Read], [Var.Write] and [Add] on a variable of 1, 2,
// 4 or 8 bytes (integers, bool, floats, small pointer-free structs), and
// [CPU]. The call site makes one call of an assembly leaf, which checks the
// register and does the access with one register-relative instruction (on
// x86 Add is a GS-relative ADD, like Linux this_cpu_add). No pin is needed:
// on TamaGo there is no asynchronous preemption, so the whole leaf runs on
// one CPU, and a migration just before or after the call only changes whose
// slot is used; the sum over CPUs stays exact.
//
// Safe, pinned: [Var.With], and [Var.Read], [Var.Write] and [Var.Reset] on
// variables of other sizes. They pin the goroutine ([Pin], the pin of
// sync.Pool) for the access. The function given to With must not block,
// must not panic and should be short, like code between Linux get_cpu_var
// and put_cpu_var.
//
// Raw: [Var.RawPtr], [Var.RawRead] and [Var.RawWrite] do not pin. The
// caller guarantees that the goroutine stays on its CPU: inside With,
// between [Pin] and [Unpin], or inside boot.OnEachCPU. Use them in hot
// loops.
//
// Remote: [Var.Remote] returns a pointer into another CPU's area. Nothing
// synchronizes it with that CPU: read after the owner stopped writing, or
// use sync/atomic on both sides ([AtomicAdd]).
//
// docs/PERCPU.md gives the argument for each tier, the instructions of each
// leaf per ISA, what stays correct in exception context, and the cost of
// each tier (docs/BENCH.md).
//
// # Layout
//
// [Define] and [New] append the variable to a template area. The layout is
// frozen when the areas are initialized ([InitInPlace] over the linker
// region, or [Init] at a caller-provided base): the template is copied into
// every area, a header (self pointer, CPU id, magic) is written at the start
// of each, and no variable can be defined afterwards (allocate it with
// [Alloc]). Areas are [AreaStride] bytes apart, a multiple of
// [linker.AreaAlign] (64, a cache line); [AreaSize] is the part the header
// and the defined variables take.
//
// # Dynamic variables and counters
//
// After Init, [Alloc] allocates a per-CPU variable and [Free] gives it back.
// As in Linux (mm/percpu.c) an allocated variable has one offset valid on
// every CPU, so it uses the same accessors and fast paths as a defined one.
// Free memory is poisoned (0x6b, Linux POISON_FREE); a freed variable is
// refused ([ErrFreed]) and a write after free is caught by the next Alloc
// of the slot ([ErrPoison], [CheckPoison]).
//
// [Counter] is a per-CPU int64 summed over the online CPUs (Linux
// percpu_counter, FreeBSD counter(9), Go's proposed sync.Counter):
// [Counter.Add] is the single-call add, [Counter.Sum] one atomic load per
// CPU, off at most by the adds made during the call.
//
// [ForEach] and [Sum] visit the online CPUs: what [SetOnline] was given
// (package boot passes its online set), all areas until then.
//
// # Registers
//
// The register is GS_BASE on x86_64, TPIDR_EL2 or TPIDR_EL1 on arm64 (by
// the exception level the kernel runs at), gp on riscv64; [RegName] names
// it. The boot CPU's register is set before any Go code runs (by the board's
// cpuinit, to area 0), each secondary CPU's by its entry trampoline; each
// CPU writes only its own. Every fast path checks the register first and
// panics with [ErrRegister] or [ErrNotInitialized] rather than touch memory
// near address 0 (docs/PERCPU.md: how, per ISA).
//
// # Bad input
//
// Every misuse fails loudly, with an [Error] that wraps one of the Err*
// values and names the offending value and the limit; every message starts
// with "percpu: ". docs/RELIABILITY.md has the table of cases, with the
// message, the host test and the boot-time check of each.
//
// # Builds
//
// The package builds with stock Go for any host and with tamago-go for
// GOOS=tamago on amd64, arm64 and riscv64. On linux/amd64 hosts the same
// GS-relative assembly as the x86_64 kernel runs, with OS threads as CPUs:
// [InitReg] locks the calling goroutine to its thread and sets the thread's
// GS base; use per-CPU variables there only from goroutines that called
// InitReg. Other hosts use a software register shared by all goroutines.
// With the build tag percpu_naive (a single-core kernel) there is one area
// and no register.
package percpu
