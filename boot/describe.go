// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

// CPU is one CPU as the machine's firmware describes it.
type CPU struct {
	// HWID is the hardware id: APIC ID (x86), MPIDR affinity bits
	// Aff3..Aff0 (arm64), hart id (riscv64).
	HWID uint64
	// Boot is set for the CPU running this code (exactly one).
	Boot bool
	// Unusable, when not empty, says that the description marks this CPU
	// as not usable, and why; boot leaves it alone and reports it.
	Unusable string
}

// Describer reads the machine's own description of its CPUs (ACPI MADT / MP
// table, FDT /cpus).
type Describer interface {
	// HWIDName names the hardware id in console lines: "apic", "mpidr",
	// "hart".
	HWIDName() string
	// CPUs returns every CPU the firmware describes, boot CPU included
	// once, in the firmware's order. An error names what is wrong and
	// where.
	CPUs() ([]CPU, error)
}

// Parker brings CPUs up in two phases, so that the runtime is never given a
// CPU that is not running.
type Parker interface {
	// Wake asks the machine to start logical CPUs cpus[i] (hardware id
	// hwids[i]) into a park loop of their own, each with its per-CPU
	// register set to bases[i]. errs[i] != nil when the request itself
	// failed.
	Wake(cpus []int, hwids []uint64, bases []uintptr) (errs []error)
	// Parked reports whether logical CPU cpu runs its park loop.
	Parked(cpu int) bool
	// Enter hands parked CPU cpu an M: SP=sp, g=g0, then fn. Runs inside
	// goos.Task.
	Enter(cpu int, sp, g0, fn uintptr)
	// WakeMethod names the wake-up for messages.
	WakeMethod() string
}

// Cmdliner gives the kernel command line, "" if none.
type Cmdliner interface{ Cmdline() string }
