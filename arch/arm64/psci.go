// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

import (
	"strconv"
)

// PSCI function IDs, SMC64 calling convention where arguments are 64-bit
// (Arm Power State Coordination Interface, DEN0022, Function prototypes).
const (
	PSCI_CPU_OFF = 0x84000002
	PSCI_CPU_ON  = 0xc4000003
)

// PSCI return codes (DEN0022, Return error codes).
const (
	PSCI_SUCCESS            = 0
	PSCI_NOT_SUPPORTED      = -1
	PSCI_INVALID_PARAMETERS = -2
	PSCI_DENIED             = -3
	PSCI_ALREADY_ON         = -4
	PSCI_ON_PENDING         = -5
	PSCI_INTERNAL_FAILURE   = -6
	PSCI_NOT_PRESENT        = -7
	PSCI_DISABLED           = -8
	PSCI_INVALID_ADDRESS    = -9
)

var psciErrors = map[int64]string{
	PSCI_NOT_SUPPORTED:      "NOT_SUPPORTED",
	PSCI_INVALID_PARAMETERS: "INVALID_PARAMETERS",
	PSCI_DENIED:             "DENIED",
	PSCI_ALREADY_ON:         "ALREADY_ON",
	PSCI_ON_PENDING:         "ON_PENDING",
	PSCI_INTERNAL_FAILURE:   "INTERNAL_FAILURE",
	PSCI_NOT_PRESENT:        "NOT_PRESENT",
	PSCI_DISABLED:           "DISABLED",
	PSCI_INVALID_ADDRESS:    "INVALID_ADDRESS",
}

// PSCIError is a negative PSCI return code.
type PSCIError int64

// Error returns the name of the code as DEN0022 spells it, for example
// "ALREADY_ON (-4)".
func (e PSCIError) Error() string {
	name, ok := psciErrors[int64(e)]
	if !ok {
		name = "unknown PSCI error"
	}

	return name + " (" + strconv.FormatInt(int64(e), 10) + ")"
}

// Conduit is the instruction that reaches the PSCI implementation (SMC
// Calling Convention, DEN0028: SMC to EL3, HVC to EL2).
type Conduit int

// PSCI conduits.
const (
	// ConduitAuto is SMC at EL2 and HVC at EL1, what QEMU virt uses:
	// SMC with virtualization=on (the ELF starts at EL2 and HVC would
	// trap to our own EL2 vectors), HVC otherwise (QEMU virt.c,
	// psci_conduit).
	ConduitAuto Conduit = iota
	// ConduitSMC calls EL3 firmware, or QEMU's PSCI when it emulates
	// no EL3.
	ConduitSMC
	// ConduitHVC calls a hypervisor, or QEMU's PSCI when it emulates no
	// EL2.
	ConduitHVC
)

// PSCI calls the Power State Coordination Interface through its conduit.
type PSCI struct {
	Conduit Conduit
}

// defined in psci.s
func psci_call(hvc bool, fn, a1, a2, a3 uint64) int64

// Call makes PSCI call fn with arguments a1-a3 and returns X0. It allocates
// nothing.
//
//go:nosplit
func (p PSCI) Call(fn uint32, a1, a2, a3 uint64) int64 {
	return psci_call(p.hvc(), uint64(fn), a1, a2, a3)
}

// hvc reports whether the conduit is HVC.
//
//go:nosplit
func (p PSCI) hvc() bool {
	return p.Conduit == ConduitHVC || p.Conduit == ConduitAuto && read_el() == 1
}

// CPUOn powers on the core with MPIDR affinity mpidr at address entry (the
// MMU is off there), with context in its X0 (DEN0022, CPU_ON). It
// allocates nothing.
//
//go:nosplit
func (p PSCI) CPUOn(mpidr, entry, context uint64) int64 {
	return p.Call(PSCI_CPU_ON, mpidr, entry, context)
}
