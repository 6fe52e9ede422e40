// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

// Port is the ISA side of SMP bring-up, implemented in arch/<isa> and
// registered by the board package with [Register]. It brings CPUs up in two
// phases, so that the runtime is never given a CPU that is not running: an M
// handed to a CPU that never runs keeps its P for ever, and the next
// stop-the-world (any runtime.GC) waits for it for ever.
//
// Phase one ([Port.Wake]) starts every CPU into a park loop of its own; the
// CPUs that answer ([Port.Parked]) are the only ones the runtime learns
// about. Phase two ([Port.Enter]) hands each of them an M.
type Port interface {
	// HWIDName names the hardware id in messages: "apic", "mpidr" or
	// "hart".
	HWIDName() string

	// CPUs returns every CPU the firmware describes (ACPI MADT or MP
	// table, FDT /cpus), boot CPU included once, in the firmware's
	// order. An error names what is wrong and where.
	CPUs() ([]CPU, error)

	// Cmdline returns the kernel command line, "" if there is none.
	Cmdline() string

	// Prepare runs once on the boot CPU, in a normal goroutine, before
	// any secondary is woken: it may allocate, sleep and print. n is the
	// number of logical CPUs that will be woken, boot CPU included.
	Prepare(n int) error

	// Wake asks the machine to start logical CPUs cpus[i], hardware id
	// hwids[i], all at once, each into a park loop of its own: the CPU
	// sets its per-CPU register to bases[i] before anything else, marks
	// itself parked and waits for Enter. Wake runs once, on the boot CPU,
	// in a normal goroutine, after Prepare.
	//
	// errs[i] is not nil when the request for cpus[i] itself failed
	// (for example "PSCI CPU_ON: ALREADY_ON (-4)"); Start then does not
	// wait for that CPU. A nil errs means every request went out.
	Wake(cpus []int, hwids []uint64, bases []uintptr) (errs []error)

	// Parked reports whether logical CPU cpu has answered: it runs its
	// park loop with its register set.
	Parked(cpu int) bool

	// Enter hands parked CPU cpu an M: the CPU sets SP to sp and its g
	// register to g0, marks itself online and jumps to fn
	// (runtime·mstart, ABI0). Enter runs inside goos.Task, on the system
	// stack and possibly without a P: it must not allocate, block, take
	// locks or store pointers.
	Enter(cpu int, sp, g0, fn uintptr)

	// Online reports whether logical CPU cpu has left its park loop for
	// the scheduler. CPU 0, the boot CPU, is always online.
	Online(cpu int) bool

	// WakeMethod names the wake-up in messages: "INIT-SIPI",
	// "PSCI CPU_ON" or "MSIP".
	WakeMethod() string
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

// Cmdline returns the kernel command line as the registered port reads it,
// "" when there is none or no port is registered.
func Cmdline() string {
	if port == nil {
		return ""
	}
	return port.Cmdline()
}
