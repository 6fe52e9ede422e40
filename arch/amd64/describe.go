// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// This file builds on every GOOS, for the host tests.

package amd64

import (
	"fmt"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/acpi"
)

// maxXAPICID is the largest APIC ID the xAPIC ICR can address: its
// destination field is 8 bits and 0xff is the broadcast (Intel SDM Vol. 3A,
// 11.6.1 Interrupt Command Register).
const maxXAPICID = 0xfe

// reachable checks that an IPI can reach APIC ID hwid, with the local APIC
// in x2APIC mode (32-bit destinations) or not.
func reachable(hwid uint64, x2apic bool) error {
	if hwid > 0xffffffff {
		return fmt.Errorf("APIC ID %#x does not fit the 32-bit x2APIC ID", hwid)
	}

	if hwid > maxXAPICID && !x2apic {
		return fmt.Errorf("APIC ID %#x: the xAPIC ICR addresses IDs up to %#x and the local APIC is not in x2APIC mode", hwid, maxXAPICID)
	}

	return nil
}

// fromTable turns the CPUs of a firmware table into the boot package's
// description, in table order: self is the APIC ID of the CPU running this
// code, x2apic whether its local APIC is in x2APIC mode.
//
// A CPU the table marks online capable but not enabled is unusable
// (hot-pluggable, not enabled), and so is an enabled CPU no IPI can reach.
// The boot CPU must be listed exactly once.
func fromTable(t *acpi.Table, self uint64, x2apic bool) (cpus []boot.CPU, err error) {
	boots := 0

	for _, c := range t.CPUs {
		cpu := boot.CPU{HWID: uint64(c.APICID), Boot: uint64(c.APICID) == self}

		if !c.Enabled {
			cpu.Unusable = fmt.Sprintf("%s: hot-pluggable (online capable), not enabled", t.Name)
		} else if err := reachable(cpu.HWID, x2apic); err != nil {
			cpu.Unusable = fmt.Sprintf("%s: %v", t.Name, err)
		}

		if cpu.Boot {
			boots++
			if cpu.Unusable != "" {
				return nil, fmt.Errorf("amd64: %s lists the boot CPU (APIC ID %#x) as unusable: %s", t.Where(), self, cpu.Unusable)
			}
		}

		cpus = append(cpus, cpu)
	}

	if boots != 1 {
		return nil, fmt.Errorf("amd64: %s lists the boot CPU's APIC ID %#x %d times, want once", t.Where(), self, boots)
	}

	return cpus, nil
}
