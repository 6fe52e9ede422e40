// SMP kernel with per-CPU areas in a caller-provided region
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago

// Command region is a kernel that keeps its per-CPU areas in memory of its
// own choosing instead of the linker region: percpu.Init at a base it
// provides, with room for RegionCPUs areas only. On a machine with more CPUs
// (QEMU -smp 8) the CPUs beyond the areas stay parked, never woken, and are
// reported; the others boot and pass:
//
//	go tool qemu run -target x86_64 -smp 8 -pkg ./examples/region
//
// prints, besides the results,
//
//	percpu: base=0x... area_size=<bytes> area_stride=<bytes> areas=4
//	boot: cpus 4..7 present but left parked: only 4 per-CPU areas of <stride> bytes (<bytes> bytes), 8 CPUs need <bytes> bytes
//	parked: cpus 4,5,6,7
//
// The qemu/ harness boots it in TestRegionParked.
package main

import (
	"fmt"
	"os"
	"strings"
	"time"
	"unsafe"

	_ "github.com/tamago-smp/kernel/board"
	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/console"
	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// RegionCPUs is the number of per-CPU areas the region holds.
const RegionCPUs = 4

// regionSize is the size of the region: RegionCPUs areas of up to
// [linker.AreaCapacity] bytes, and room to align the first one.
const regionSize = RegionCPUs*linker.AreaCapacity + linker.AreaAlign

// region is memory the garbage collector does not manage: a global byte
// array (cmd/link puts it in .noptrbss).
var region [regionSize]byte

var (
	owner = percpu.Define[int64](-1)
	hits  = percpu.Define[uint32](0)
)

func main() {
	// Only CPU 0 runs, its register at area 0 of the linker region: the
	// areas here replace those, so CPU 0 repoints its register after Init.
	base := linker.FirstArea(uintptr(unsafe.Pointer(&region)))

	if size, _ := percpu.RegionLayout(RegionCPUs); base+size > uintptr(unsafe.Pointer(&region))+regionSize {
		exit(fmt.Errorf("region: %d CPUs need %d bytes, the region holds %d from %#x", RegionCPUs, size, regionSize, base))
	}

	if _, err := percpu.Init(base, regionSize-(base-uintptr(unsafe.Pointer(&region))), RegionCPUs); err != nil {
		exit(err)
	}

	percpu.InitReg(0)

	// The machine may have more CPUs than the region has areas: run
	// degraded, on the CPUs that have one (the others stay parked and are
	// reported). Up finds the areas initialized and uses them.
	report, err := console.Up(os.Stdout, boot.Options{Degraded: true})

	if report.Parked > 0 {
		ids := make([]string, report.Parked)
		for i := range ids {
			ids[i] = fmt.Sprint(report.Wanted + i)
		}
		fmt.Println("parked: cpus", strings.Join(ids, ","))
	}

	// each CPU checks that its register is its area in the region, and
	// writes its own slots; then every CPU reads every other's: one
	// result per CPU
	local := make([]error, boot.MaxCPUs)
	boot.OnEachCPU(report.Online, time.Minute, func(cpu int) {
		if reg, want := percpu.ReadReg(), base+uintptr(cpu)*percpu.AreaStride(); reg != want {
			local[cpu] = console.Errorf("%s=%#x, want %#x in the region", percpu.RegName(), reg, want)
		}
		owner.Write(int64(cpu))
		percpu.Add(hits, uint32(cpu+1))
	})

	t := console.NewTally(os.Stdout, report.Online)
	t.OnEachCPU("region", time.Minute, func(cpu int) error {
		if local[cpu] != nil {
			return local[cpu]
		}
		for _, other := range report.Online {
			if o, h := *owner.Remote(other), *hits.Remote(other); o != int64(other) || h != uint32(other+1) {
				return console.Errorf("cpu %d: owner=%d hits=%d, want %d, %d", other, o, h, other, other+1)
			}
		}
		return nil
	})

	os.Exit(t.Done(err))
}

// exit reports an error that stops the boot.
func exit(err error) {
	fmt.Println(err)
	fmt.Println("selftest: 0 passed, 1 failed")
	os.Exit(1)
}
