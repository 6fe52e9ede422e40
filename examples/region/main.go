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
//	region: base=0x... size=<bytes> area_size=<stride> areas=4
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

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/linker"
	"github.com/tamago-smp/kernel/percpu"
)

// RegionCPUs is the number of per-CPU areas the region holds.
const RegionCPUs = 4

// regionSize is the size of the region: RegionCPUs areas of up to 1 KiB,
// and room to align the first one.
const regionSize = RegionCPUs*1024 + linker.AreaAlign

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
	base := (uintptr(unsafe.Pointer(&region)) + linker.AreaAlign - 1) &^ (linker.AreaAlign - 1)

	if size, _ := percpu.RegionLayout(RegionCPUs); base+size > uintptr(unsafe.Pointer(&region))+regionSize {
		exit(fmt.Errorf("region: %d CPUs need %d bytes, the region holds %d from %#x", RegionCPUs, size, regionSize, base))
	}

	areas, err := percpu.Init(base, regionSize-(base-uintptr(unsafe.Pointer(&region))), RegionCPUs)
	if err != nil {
		exit(err)
	}

	percpu.InitReg(0)

	fmt.Printf("region: base=%#x size=%d area_size=%d areas=%d\n", base, regionSize, percpu.AreaStride(), areas)

	// The machine may have more CPUs than the region has areas: run
	// degraded, on the CPUs that have one (the others stay parked and are
	// reported).
	report, err := boot.Start(boot.Options{Degraded: true})
	if err != nil {
		exit(err)
	}

	if report.Parked > 0 {
		ids := make([]string, report.Parked)
		for i := range ids {
			ids[i] = fmt.Sprint(report.Wanted + i)
		}
		fmt.Println("parked: cpus", strings.Join(ids, ","))
	}

	if err := boot.PrintOnline(os.Stdout, report, 10*time.Second); err != nil {
		exit(err)
	}

	on := report.Online
	n := len(on)
	regs := make([]uintptr, boot.MaxCPUs)
	boot.OnEachCPU(on, 10*time.Second, func(cpu int) { regs[cpu] = percpu.ReadReg() })

	// each CPU checks that its register is its area in the region, and
	// writes its own slots; then every CPU reads every other's
	errs := make([]error, boot.MaxCPUs)

	boot.OnEachCPU(on, 10*time.Second, func(cpu int) {
		if want := base + uintptr(cpu)*percpu.AreaStride(); regs[cpu] != want {
			errs[cpu] = fmt.Errorf("%s=%#x, want %#x in the region", percpu.RegName(), regs[cpu], want)
		}
		owner.Write(int64(cpu))
		percpu.Add(hits, uint32(cpu+1))
	})

	boot.OnEachCPU(on, 10*time.Second, func(cpu int) {
		for _, other := range on {
			if errs[cpu] != nil {
				break
			}
			if o, h := *owner.Remote(other), *hits.Remote(other); o != int64(other) || h != uint32(other+1) {
				errs[cpu] = fmt.Errorf("cpu %d: owner=%d hits=%d, want %d, %d", other, o, h, other, other+1)
			}
		}
	})

	failed := 0

	for _, cpu := range on {
		if err := errs[cpu]; err != nil {
			fmt.Printf("FAIL region cpu=%d: %v\n", cpu, err)
			failed++
		} else {
			fmt.Printf("PASS region cpu=%d\n", cpu)
		}
	}

	fmt.Printf("selftest: %d passed, %d failed\n", n-failed, failed)

	if failed != 0 || err != nil {
		os.Exit(1)
	}

	os.Exit(0)
}

// exit reports an error that stops the boot.
func exit(err error) {
	fmt.Println(err)
	fmt.Println("selftest: 0 passed, 1 failed")
	os.Exit(1)
}
