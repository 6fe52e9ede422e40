// SMP bring-up for TamaGo kernels
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package boot

import (
	"fmt"
	"strconv"
	"strings"
)

// bringupPlan is what Start decided before waking anything: the logical
// map and the report lines of the CPUs that will not be woken.
type bringupPlan struct {
	hwids        []uint64 // logical id -> hardware id; [0] is the boot CPU
	name         string
	overCapacity bool // usable CPUs beyond the areas or MaxCPUs
	report       Report
}

// plan numbers the CPUs of the description: the boot CPU is logical 0, the
// other usable CPUs follow in the description's order, up to the capacity
// (the areas, [MaxCPUs]) and o.Max. It never fails: a description without
// exactly one boot CPU, or with a duplicate hardware id, is reported and the
// faulty entries are left alone. name names the hardware ids.
func plan(described []CPU, name string, o Options, areas int, stride uintptr) (p bringupPlan) {
	p.name = name

	r := &p.report
	r.HWIDName = p.name
	r.Present = len(described)
	r.Areas = areas

	hw := func(id uint64) string { return fmt.Sprintf("%s=%#x", p.name, id) }

	var bootCPU *CPU
	var usable []uint64
	seen := make(map[uint64]bool)

	for i := range described {
		c := &described[i]

		switch {
		case seen[c.HWID]:
			r.Unusable++
			r.Problems = append(r.Problems, fmt.Sprintf("cpu %s left alone: the description lists it twice", hw(c.HWID)))
			continue
		case c.Boot && bootCPU == nil:
			bootCPU = c
		case c.Boot:
			r.Unusable++
			r.Problems = append(r.Problems, fmt.Sprintf("cpu %s left alone: a second boot CPU in the description", hw(c.HWID)))
		case c.Unusable != "":
			r.Unusable++
			r.Problems = append(r.Problems, fmt.Sprintf("cpu %s left alone: %s", hw(c.HWID), c.Unusable))
		default:
			usable = append(usable, c.HWID)
		}

		seen[c.HWID] = true
	}

	if bootCPU == nil {
		// the kernel runs, so the boot CPU exists: the description
		// missed it. Run on it alone.
		r.Problems = append(r.Problems, "the description marks no CPU as the boot CPU: only the boot CPU runs")
		r.Unusable += len(usable)
		usable = nil
		p.hwids = []uint64{0}
	} else {
		p.hwids = []uint64{bootCPU.HWID}
	}

	capacity := min(MaxCPUs, areas)
	limit := capacity
	if o.Max > 0 && o.Max < limit {
		limit = o.Max
	}

	take := min(len(usable), limit-1)
	p.hwids = append(p.hwids, usable[:take]...)
	rest := usable[take:]
	total := len(usable) + 1

	if len(rest) > 0 {
		r.Parked = len(rest)
		ids := fmt.Sprintf("%s..%#x", hw(rest[0]), rest[len(rest)-1])
		if len(rest) == 1 {
			ids = hw(rest[0])
		}

		switch {
		case o.Max > 0 && o.Max < capacity:
			r.Problems = append(r.Problems, fmt.Sprintf("cpus %d..%d present but left parked by request (maxcpus=%d): %s", limit, total-1, o.Max, ids))
		case areas < MaxCPUs:
			p.overCapacity = true
			r.Problems = append(r.Problems, fmt.Sprintf("cpus %d..%d present but left parked: only %d per-CPU areas of %d bytes (%d bytes), %d CPUs need %d bytes",
				capacity, total-1, areas, stride, uintptr(areas)*stride, total, uintptr(total)*stride))
		default:
			p.overCapacity = true
			r.Problems = append(r.Problems, fmt.Sprintf("%d CPUs present, %d supported: cpus %d..%d left parked (%s; boot.MaxCPUs)",
				total, capacity, capacity, total-1, ids))
		}
	}

	r.Wanted = len(p.hwids)
	return
}

// withCmdline adds to o what the kernel command line says: `maxcpus=N`,
// `boot.degraded` and `boot.skip=K[,K...]`. Other words are left to the
// kernel.
func (o Options) withCmdline(cmdline string) (Options, error) {
	o.Skip = append([]int(nil), o.Skip...)

	for _, w := range strings.Fields(cmdline) {
		key, val, _ := strings.Cut(w, "=")

		switch key {
		case "maxcpus":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return o, fmt.Errorf("boot: kernel command line %q: want a CPU count of at least 1", w)
			}
			o.Max = n
		case "boot.degraded":
			o.Degraded = val == "" || val == "1" || val == "true"
		case "boot.skip":
			for _, s := range strings.Split(val, ",") {
				cpu, err := strconv.Atoi(s)
				if err != nil || cpu < 1 || cpu >= MaxCPUs {
					return o, fmt.Errorf("boot: kernel command line %q: %q is not a logical CPU id in 1..%d", w, s, MaxCPUs-1)
				}
				o.Skip = append(o.Skip, cpu)
			}
		}
	}

	return o, nil
}
