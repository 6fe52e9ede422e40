// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"fmt"
	"io"
	"time"

	"github.com/tamago-smp/kernel/percpu"
)

// Noter is implemented by ports that add a field, read on each CPU, to its
// online line: arm64 adds its exception level (`el=2`).
type Noter interface {
	// CPUNote returns the field's name and value, read on the calling
	// CPU; an empty name adds nothing. It runs pinned: no allocation,
	// no blocking.
	CPUNote() (name string, value uint64)
}

// PrintOnline prints what [Start] did, as the output contract of the demo
// kernel has it: one `boot: ` line per problem of r, then one line per
// online CPU,
//
//	cpu <id> online: <register>=0x<base> [<note>=<n>] [<hwid-name>=0x<hwid>]
//
// where the register value and the note are read on that CPU itself (with
// [OnEachCPU]): the line proves that the CPU's own register points at its
// own area. A CPU that does not report within timeout gets a `boot: ` line
// instead of an online line, and PrintOnline returns the error.
func PrintOnline(w io.Writer, r Report, timeout time.Duration) error {
	for _, p := range r.Problems {
		fmt.Fprintln(w, "boot:", p)
	}

	var regs [MaxCPUs]uintptr
	var names [MaxCPUs]string
	var notes [MaxCPUs]uint64

	noter, _ := port.(Noter)
	_, describes := port.(Describer)

	err := OnEachCPU(r.Online, timeout, func(cpu int) {
		regs[cpu] = percpu.ReadReg()
		if noter != nil {
			names[cpu], notes[cpu] = noter.CPUNote()
		}
	})

	missed := make(map[int]bool)
	if e, ok := err.(*EachError); ok {
		for _, cpu := range append(e.NotStarted, e.NotReturned...) {
			missed[cpu] = true
		}
	} else if err != nil {
		return err
	}

	for _, cpu := range r.Online {
		hw, _ := HWID(cpu)

		if missed[cpu] {
			fmt.Fprintf(w, "boot: cpu %d (%s=%#x) is online but did not read its register within %v\n", cpu, HWIDName(), hw, timeout)
			continue
		}

		fmt.Fprintf(w, "cpu %d online: %s=%#x", cpu, percpu.RegName(), regs[cpu])
		if names[cpu] != "" {
			fmt.Fprintf(w, " %s=%d", names[cpu], notes[cpu])
		}
		if describes {
			fmt.Fprintf(w, " %s=%#x", HWIDName(), hw)
		}
		fmt.Fprintln(w)
	}

	return err
}
