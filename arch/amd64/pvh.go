// x86_64 SMP support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && amd64

package amd64

import (
	"fmt"
	"unsafe"

	"github.com/tamago-smp/kernel/boot"
	"github.com/tamago-smp/kernel/internal/acpi"
)

// physMem reads physical memory through TamaGo's identity map of the first
// 4 GiB, except page 0, which TamaGo's cpuinit leaves unmapped.
type physMem struct{}

const (
	physLow  = 0x1000
	physHigh = 1 << 32
)

func (physMem) ReadAt(p []byte, addr uint64) error {
	if addr < physLow || addr > physHigh || uint64(len(p)) > physHigh-addr {
		return fmt.Errorf("%#x-%#x is outside the mapped memory %#x-%#x", addr, addr+uint64(len(p)), physLow, physHigh)
	}

	copy(p, unsafe.Slice((*byte)(mem(uintptr(addr))), len(p)))
	return nil
}

// description is the firmware's list of CPUs, read once.
var description struct {
	done  bool
	where string
	cpus  []boot.CPU
	err   error
}

// HWIDName names the hardware id on console lines.
func (SMP) HWIDName() string {
	return "apic"
}

// CPUs returns the CPUs of the machine as its firmware lists them: the ACPI
// MADT, found from the RSDP that the PVH start_info passes or that is
// searched for in low memory, or the MP table when there is no ACPI (see
// package internal/acpi). Never CPUID core counts, which describe one
// package, and never "APIC ID == CPU number".
//
// Entries the table marks neither enabled nor online capable describe no
// CPU and are left out. A CPU the table marks online capable but not
// enabled is listed as unusable (hot-pluggable, not enabled), and so is an
// enabled CPU whose APIC ID no IPI can reach (above 0xfe with the local
// APIC in xAPIC mode).
func (SMP) CPUs() ([]boot.CPU, error) {
	if description.done {
		return description.cpus, description.err
	}

	description.done = true
	description.cpus, description.where, description.err = describe()

	return description.cpus, description.err
}

func describe() (cpus []boot.CPU, where string, err error) {
	t, err := acpi.Find(physMem{}, acpi.Options{RSDP: startRSDP()})

	if err != nil {
		return nil, "", err
	}

	cpus, err = fromTable(t, uint64(APICID()), x2APICMode())

	return cpus, t.Where() + " (" + t.Via + ")", err
}

// Source names the table the CPUs came from and how it was found, e.g.
// "MADT at 0xeff28 (RSDP at 0xf3490 -> XSDT at 0xeff92)", after
// [SMP.CPUs].
func (SMP) Source() string {
	return description.where
}

// pvhStartInfo is the PVH start_info (hvm_start_info,
// xen/include/public/arch-x86/hvm/start_info.h), whose physical address the
// boot loader passes in EBX to the ELF entry point; entry.s keeps it in
// startInfo and reads its fields through the go_asm.h offsets.
type pvhStartInfo struct {
	magic         uint32 // pvhMagic
	version       uint32
	flags         uint32
	nrModules     uint32
	modlistPaddr  uint64
	cmdlinePaddr  uint64
	rsdpPaddr     uint64
	memmapPaddr   uint64 // version 1 and later
	memmapEntries uint32
	_             uint32
}

// pvhMemmapEntry is one entry of the PVH memory map
// (hvm_memmap_table_entry), read by entry.s.
type pvhMemmapEntry struct {
	addr uint64
	size uint64
	typ  uint32 // pvhRAM, ...
	_    uint32
}

const (
	pvhMagic   = 0x336ec578
	pvhRAM     = 1 // XEN_HVM_MEMMAP_TYPE_RAM
	cmdlineMax = 4096
)

// startInfo is the physical address of the PVH start_info, saved by the ELF
// entry point (0 if the loader passed none).
var startInfo uint32

// start returns the PVH start_info, or the zero value when the loader
// passed none or it has no pvhMagic.
func start() (si pvhStartInfo) {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&si)), unsafe.Sizeof(si))

	if startInfo == 0 || (physMem{}).ReadAt(b, uint64(startInfo)) != nil || si.magic != pvhMagic {
		return pvhStartInfo{}
	}

	return
}

// startRSDP returns the RSDP address the PVH start_info gives, 0 if none.
func startRSDP() uint64 {
	return start().rsdpPaddr
}

var cmdlineCache struct {
	done bool
	s    string
}

// cmdline reads the PVH command line once (before Prepare overwrites the
// trampoline page, where the loader may have left it).
func cmdline() string {
	if cmdlineCache.done {
		return cmdlineCache.s
	}

	cmdlineCache.done = true
	p := start().cmdlinePaddr

	if p == 0 {
		b, _ := fwcfgFile(CmdlineFile, cmdlineMax)
		cmdlineCache.s = string(b)
		return cmdlineCache.s
	}

	var b []byte
	var c [1]byte

	for i := uint64(0); i < cmdlineMax; i++ {
		if (physMem{}).ReadAt(c[:], p+i) != nil || c[0] == 0 {
			break
		}
		b = append(b, c[0])
	}

	cmdlineCache.s = string(b)

	return cmdlineCache.s
}

// Cmdline returns the kernel command line from the PVH start_info (QEMU
// -append), else from the fw_cfg file CmdlineFile, "" if none.
func (SMP) Cmdline() string {
	return cmdline()
}
