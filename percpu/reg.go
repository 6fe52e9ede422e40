// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

// ReadReg returns the value of the current CPU's per-CPU register ([RegName]):
// the base of its area once [InitReg] (or the boot code) set it, 0 if it was
// never set.
//
// Concurrency: the goroutine may run on another CPU by the time the value is
// used, unless it is pinned or locked to its thread.
func ReadReg() uintptr {
	return readReg()
}

// WriteReg sets the current CPU's per-CPU register to base. It does not check
// base: the accessors check it on every access.
//
// On the linux/amd64 host it first locks the calling goroutine to its thread
// ([runtime.LockOSThread], never undone by this package), because a host
// "CPU" is a locked thread: the thread stays that CPU until the goroutine
// exits, which ends the thread, or writes another base. With percpu_naive it
// does nothing.
//
// Preconditions: the caller is the only code that uses this CPU's register;
// on TamaGo each CPU writes its own register, once, at boot.
func WriteReg(base uintptr) {
	writeReg(base)
}

// InitReg points the current CPU's per-CPU register at the area of CPU cpu,
// [AreaBase](cpu). Each CPU calls it once, for its own id, after the areas
// are initialized (the kernel's entry trampolines do the same in assembly).
//
// Panics: if cpu is not in [0, AreaNum()), with an error wrapping
// [ErrCPURange] that names cpu and the number of areas.
func InitReg(cpu int) {
	writeReg(AreaBase(cpu))
}

// CPU returns the id of the current CPU, read from the header of the area
// its register points at (one assembly call).
//
// Concurrency: the goroutine may run on another CPU by the time the id is
// used, unless it is pinned or locked to its thread (Linux
// raw_smp_processor_id).
//
// Panics: as [Var.Read].
func CPU() int {
	return int(this_cpu_id())
}

// RegName returns the name of the per-CPU register: "gs_base" (x86_64, and
// the linux/amd64 host), "tpidr_el2" or "tpidr_el1" (arm64, at EL2 or EL1),
// "gp" (riscv64), "soft" (the software register of other hosts) or "none"
// (percpu_naive).
func RegName() string {
	return regName()
}
