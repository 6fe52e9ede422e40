// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

// Port is the ISA side of SMP bring-up, implemented in arch/<isa> and
// registered by the board package with [Register]. A port that also
// implements [Describer] and [Parker] (every port of this repository does)
// gets CPUs from the firmware's description and the two-phase bring-up; the
// methods of Port alone are the minimal, one-phase interface.
type Port interface {
	// NumCPU returns the number of CPUs the machine has, boot CPU
	// included. Used only when the port is not a [Describer].
	NumCPU() int

	// Prepare runs once on the boot CPU, in a normal goroutine, before
	// any secondary is woken: it may allocate, sleep and print. n is the
	// number of logical CPUs that will be woken, boot CPU included.
	Prepare(n int) error

	// Start wakes CPU cpu (1 <= cpu < n) so that its entry trampoline
	// sets SP to sp, its per-CPU register to base, its g register to g0
	// and jumps to fn (runtime·mstart, ABI0). Used only when the port is
	// not a [Parker].
	//
	// Start runs inside goos.Task, on the system stack and possibly
	// without a P: it must not allocate, block, take locks or store
	// pointers, and may only busy-wait. It returns 0 on success, or an
	// ISA status code that [Port.StartError] explains.
	Start(cpu int, sp, g0, fn, base uintptr) (status int)

	// StartError turns a non-zero status returned by Start into an
	// error naming the CPU and the cause. It runs in a normal goroutine.
	StartError(cpu int, status int) error

	// Online reports whether logical CPU cpu has left its entry code
	// for the scheduler (register set, about to enter mstart). CPU 0,
	// the boot CPU, is always online.
	Online(cpu int) bool
}

// CPU is one CPU as the machine's firmware describes it.
type CPU struct {
	// HWID is the hardware id: the local APIC ID on x86, the MPIDR
	// affinity fields (Aff3..Aff0) on arm64, the hart id on riscv64.
	HWID uint64

	// Boot marks the CPU running the kernel (exactly one).
	Boot bool

	// Unusable, when not empty, says why the description does not let
	// the kernel use this CPU (`status = "disabled"`, "MADT: not
	// enabled", a missing ISA extension). Start leaves it alone and
	// reports it.
	Unusable string
}

// Describer is implemented by ports that read the machine's own description
// of its CPUs: the ACPI MADT or the MP table on x86, the FDT /cpus node on
// the virt boards. CPUID counts and "hardware id == CPU number" are not
// descriptions.
type Describer interface {
	// HWIDName names the hardware id in console lines: "apic",
	// "mpidr" or "hart".
	HWIDName() string

	// CPUs returns every CPU the firmware describes, boot CPU included
	// once, in the firmware's order. An error names what is wrong and
	// where.
	CPUs() ([]CPU, error)
}

// Parker is implemented by ports that bring CPUs up in two phases, so that
// the runtime is never given a CPU that is not running: an M handed to a CPU
// that never runs keeps its P for ever, and the next stop-the-world (any
// runtime.GC) waits for it for ever.
//
// Phase one ([Parker.Wake]) starts every CPU into a park loop of its own;
// the CPUs that answer ([Parker.Parked]) are the only ones the runtime
// learns about. Phase two ([Parker.Enter]) hands each of them an M.
type Parker interface {
	// Wake asks the machine to start logical CPUs cpus[i], hardware id
	// hwids[i], all at once, each into a park loop of its own: the CPU
	// sets its per-CPU register to bases[i] before anything else, runs
	// on a stack of its own (or none), marks itself parked and waits for
	// Enter. Wake runs once, on the boot CPU, in a normal goroutine,
	// after Prepare: it may allocate, sleep and print.
	//
	// errs[i] is not nil when the request for cpus[i] itself failed
	// (for example "PSCI CPU_ON: ALREADY_ON (-4)"); Start then does not
	// wait for that CPU. A nil errs means every request went out.
	Wake(cpus []int, hwids []uint64, bases []uintptr) (errs []error)

	// Parked reports whether logical CPU cpu has answered: it runs its
	// park loop with its register set.
	Parked(cpu int) bool

	// Enter hands parked CPU cpu an M: it stores sp, g0 and fn in the
	// CPU's mailbox and releases the CPU, which sets SP to sp and its g
	// register to g0, marks itself online and jumps to fn
	// (runtime·mstart, ABI0).
	//
	// Enter runs inside goos.Task, on the system stack and possibly
	// without a P: it must not allocate, block, take locks or store
	// pointers.
	Enter(cpu int, sp, g0, fn uintptr)

	// WakeMethod names the wake-up in messages: "INIT-SIPI",
	// "PSCI CPU_ON" or "MSIP".
	WakeMethod() string
}

// Cmdliner is implemented by ports that can read the kernel command line
// (the PVH start_info command line on microvm, /chosen/bootargs on the
// virt boards).
type Cmdliner interface {
	// Cmdline returns the kernel command line, "" if there is none.
	Cmdline() string
}

// Cmdline returns the kernel command line as the registered port reads it,
// "" when there is none or the port cannot read it.
func Cmdline() string {
	if c, ok := port.(Cmdliner); ok {
		return c.Cmdline()
	}
	return ""
}

// Noter is implemented by ports that add a field, read on each CPU, to its
// online line: arm64 adds its exception level (`el=2`).
type Noter interface {
	// CPUNote returns the field's name and value, read on the calling
	// CPU; an empty name adds nothing. It runs pinned: no allocation,
	// no blocking.
	CPUNote() (name string, value uint64)
}
