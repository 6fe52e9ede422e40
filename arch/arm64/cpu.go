// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

// Package arm64 runs a TamaGo kernel on AArch64 cores at EL2 or at EL1, on
// every core of the machine.
//
// TamaGo v1.26.0's own arm64 package assumes EL3 and a single core. This
// package replaces it (and must not be linked together with it, since both
// define runtime/goos.Hwinit0 hooks and the exception vectors):
//
//   - cpuinit (build tag linkcpuinit) is the first instruction the boot CPU
//     executes: stack, FP/SIMD, exception vectors, HCR_EL2, the identity
//     map with the MMU on, and the per-CPU register, before any Go code.
//   - the exception vectors print the CPU, ESR, ELR and FAR on the console and
//     stop the machine with [ExceptionStatus] (the board's console and exit
//     device: board.go).
//   - cpuinit checks, before any Go runtime code, that the device tree's RAM
//     holds the kernel (RamStart + RamSize), or prints one line and exits.
//   - [SMP] reads the CPUs from the device tree (/cpus, /psci) and brings
//     them up with PSCI CPU_ON or from a spin table in two phases: every core parks with its
//     per-CPU register set, then each is handed an M and enters the Go
//     scheduler (the Port of package github.com/tamago-smp/kernel/boot).
//   - the generic timer backs [Nanotime], the board's exit device [Exit].
//
// One kernel binary runs at both exception levels: every EL-specific choice
// (TPIDR_EL2 or TPIDR_EL1, VBAR, MMU registers, SMC or HVC for PSCI) is made
// at run time from CurrentEL. QEMU virt starts an ELF at EL2 with
// virtualization=on and at EL1 without it.
//
// The board package (for example arch/arm64/virt) provides the
// runtime/goos hooks that name devices and memory.
//
// This package is only meant to be used with `GOOS=tamago GOARCH=arm64` as
// supported by the TamaGo framework for bare metal Go, see
// https://github.com/usbarmory/tamago.
package arm64

// HCR_EL2, Hypervisor Configuration Register (Arm ARM, HCR_EL2). E2H and
// TGE stay 0: the classic, non-VHE, EL2 register set.
const (
	HCR_RW  = 31 // EL1 is AArch64
	HCR_AMO = 5  // SError exceptions are taken to EL2
	HCR_IMO = 4  // physical IRQs are taken to EL2
	HCR_FMO = 3  // physical FIQs are taken to EL2

	hcrEL2 = 1<<HCR_RW | 1<<HCR_AMO | 1<<HCR_IMO | 1<<HCR_FMO
)

// CPTR_EL2, Architectural Feature Trap Register (Arm ARM, CPTR_EL2, with
// HCR_EL2.E2H == 0). QEMU resets it to 0; real cores may not.
const (
	CPTR_TZ = 8 // trap SVE, which Go never uses

	// RES1 bits 13, 12, 9 and 7:0, TZ set; TFP (bit 10, trap FP/SIMD,
	// which Go uses), TTA and TCPAC clear
	cptrEL2 = 0x3000 | 1<<9 | 0xff | 1<<CPTR_TZ
)

// CPACR_EL1, Architectural Feature Access Control Register (Arm ARM,
// CPACR_EL1): FP/SIMD is trapped at EL1 until FPEN is 0b11.
const (
	CPACR_FPEN = 20

	cpacrFP = 0b11 << CPACR_FPEN
)

// Event stream of the generic timer (Arm ARM, D11 The Generic Timer in
// AArch64 state, Event streams; fields of CNTHCTL_EL2 and CNTKCTL_EL1): an
// event every time bit EVNTI of the counter goes from 0 to 1, so that WFE
// always wakes up. Bit 12 at QEMU's 62.5 MHz gives an event every 131 us.
const (
	CNTCTL_EVNTEN = 2 // enable the event stream
	CNTCTL_EVNTI  = 4 // trigger bit number, 4 bits

	eventStream = 1<<CNTCTL_EVNTEN | 12<<CNTCTL_EVNTI
)

// defined in cpu.s
func read_el() uint64
func wfe()

// EL returns the exception level the calling CPU runs at (1 or 2 under
// QEMU virt).
func EL() int {
	return int(read_el())
}

// Init takes care of the lower level initialization before the runtime
// starts (runtime/goos.Hwinit0, called by the board): the boot CPU already
// runs with the MMU on (cpuinit), so only the timer is left, and [Nanotime]
// is valid from here on.
//
// It runs before the Go scheduler and heap exist: no allocation.
//
//go:nosplit
func Init() {
	initTimer()
}
