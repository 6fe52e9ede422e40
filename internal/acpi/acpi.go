// x86 firmware CPU tables
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package acpi finds the CPUs of an x86 machine in the machine's own
// description of itself: the ACPI MADT (Root System Description Pointer ->
// XSDT or RSDT -> "APIC" table, Local APIC and Local x2APIC entries), or,
// when there is no ACPI, the MultiProcessor Specification table (floating
// pointer "_MP_" -> "PCMP" configuration table, processor entries).
//
// Never CPUID core counts (they describe one package) and never "APIC ID ==
// CPU number": QEMU's `-smp 6,sockets=2,cores=3` has APIC IDs 0, 1, 2, 4, 5,
// 6, and `-smp 4,maxcpus=8` lists 8 CPUs of which 4 are enabled.
//
// Memory is read through the small [Memory] interface, so that the kernel
// reads physical memory and the host tests read blobs dumped from QEMU.
// Every error names the table, its physical address and the offset of the
// field that is wrong.
//
// This package builds on every GOOS.
package acpi

import (
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
)

// Memory reads physical memory.
type Memory interface {
	// ReadAt fills p with the bytes at physical address addr, or
	// returns an error naming the addresses it cannot read.
	ReadAt(p []byte, addr uint64) error
}

// Image is a copy of physical memory from Base (a dump), as a [Memory].
type Image struct {
	Base uint64
	Data []byte
}

// ReadAt implements [Memory].
func (m Image) ReadAt(p []byte, addr uint64) error {
	end := m.Base + uint64(len(m.Data))

	if addr < m.Base || addr > end || uint64(len(p)) > end-addr {
		return fmt.Errorf("%#x-%#x is outside memory %#x-%#x", addr, addr+uint64(len(p)), m.Base, end)
	}

	copy(p, m.Data[addr-m.Base:])
	return nil
}

// CPU is one processor entry of a firmware table.
type CPU struct {
	// APICID is the local APIC ID (x2APIC ID for a Local x2APIC
	// entry), the destination of the INIT and STARTUP IPIs.
	APICID uint32
	// UID is the ACPI processor UID (MADT only).
	UID uint32
	// X2APIC is set for a MADT Local x2APIC entry (type 9).
	X2APIC bool
	// Enabled is the entry's Enabled flag: the CPU is present and
	// usable.
	Enabled bool
	// OnlineCapable is the MADT Online Capable flag (ACPI 6.3): the CPU
	// is not enabled now but can be enabled at run time (hot plug).
	OnlineCapable bool
	// Boot is the MP table's BP flag (the MADT has none: the caller
	// compares with its own APIC ID).
	Boot bool
	// Offset is the entry's offset from the start of its table.
	Offset int
}

// Table is the CPU description found in one firmware table.
type Table struct {
	// Name is "MADT" or "MP table".
	Name string
	// Addr is the physical address of the table (MADT, or MP
	// configuration table).
	Addr uint64
	// Via says how it was found, e.g. "RSDP at 0xf3490 -> XSDT at
	// 0xeff92".
	Via string
	// LAPIC is the physical address of the local APIC registers the
	// table gives.
	LAPIC uint64
	// CPUs lists the processor entries in table order, the disabled
	// ones included (see [CPU.Enabled]); entries that are neither
	// enabled nor online capable are left out (they describe no CPU).
	CPUs []CPU
}

// Where names the table and its address for messages: "MADT at 0xeff28".
func (t *Table) Where() string {
	return fmt.Sprintf("%s at %#x", t.Name, t.Addr)
}

// Enabled returns the number of enabled CPUs.
func (t *Table) Enabled() (n int) {
	for _, c := range t.CPUs {
		if c.Enabled {
			n++
		}
	}
	return
}

// Error is a firmware table that cannot be used: what is wrong and where.
type Error struct {
	// Table names the table ("RSDP", "XSDT", "MADT", "MP floating
	// pointer", "MP table") and Addr is its physical address.
	Table string
	Addr  uint64
	// Offset is the offset of the bad field from Addr, -1 if the table
	// as a whole is wrong.
	Offset int
	// What says what is wrong.
	What string
}

func (e *Error) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("acpi: %s at %#x: %s", e.Table, e.Addr, e.What)
	}
	return fmt.Sprintf("acpi: %s at %#x, offset %#x: %s", e.Table, e.Addr, e.Offset, e.What)
}

func errorf(table string, addr uint64, off int, format string, a ...any) *Error {
	return &Error{Table: table, Addr: addr, Offset: off, What: fmt.Sprintf(format, a...)}
}

// read reads n bytes of table name at addr.
func read(m Memory, name string, addr uint64, n int) ([]byte, error) {
	b := make([]byte, n)

	if err := m.ReadAt(b, addr); err != nil {
		return nil, errorf(name, addr, -1, "cannot read %d bytes: %v", n, err)
	}

	return b, nil
}

// tryRead returns the n bytes at addr, or none if they cannot be read.
func tryRead(m Memory, addr uint64, n int) []byte {
	b := make([]byte, n)

	if m.ReadAt(b, addr) != nil {
		return nil
	}

	return b
}

// sum returns the 8-bit sum of b, zero for a table with a good checksum
// (ACPI 6.5, 5.2.5.3 and 5.2.6; MP 1.4, 4.1 and 4.2).
func sum(b []byte) (s uint8) {
	for _, c := range b {
		s += c
	}
	return
}

var le = binary.LittleEndian

// Limits protect the parser from tables that describe absurd sizes.
const (
	// MaxTableSize is the largest ACPI table or MP configuration table
	// read, 1 MiB.
	MaxTableSize = 1 << 20
)

// Options tune [Find], [ReadMADT] and [ReadMP].
type Options struct {
	// MaxCPUs is the number of enabled CPUs the caller can use; a table
	// with more is an error naming both numbers. Zero means no limit.
	MaxCPUs int

	// RSDP is the address of the RSDP if the boot protocol passed one;
	// zero means search for it.
	RSDP uint64
}

// check applies the checks common to both tables: at least one enabled
// CPU, no APIC ID twice, at most o.MaxCPUs enabled CPUs.
// entries is the number of processor entries in the table, the ones left
// out included.
func (o Options) check(t *Table, entries int) error {
	seen := make(map[uint32]int, len(t.CPUs))

	for _, c := range t.CPUs {
		if prev, ok := seen[c.APICID]; ok {
			return errorf(t.Name, t.Addr, c.Offset, "APIC ID %#x listed again (first at offset %#x)", c.APICID, prev)
		}
		seen[c.APICID] = c.Offset
	}

	n := t.Enabled()

	if n == 0 {
		return errorf(t.Name, t.Addr, -1, "no enabled CPU among its %d processor entries", entries)
	}

	if o.MaxCPUs > 0 && n > o.MaxCPUs {
		return errorf(t.Name, t.Addr, -1, "%d enabled CPUs, at most %d supported", n, o.MaxCPUs)
	}

	return nil
}

// Find returns the CPUs of the machine: from the ACPI MADT if there is an
// RSDP, else from the MP table. A broken ACPI description is an error, not
// a reason to trust the MP table instead.
func Find(m Memory, o Options) (*Table, error) {
	if o.RSDP != 0 {
		rsdp, err := ReadRSDP(m, o.RSDP)
		if err != nil {
			return nil, err
		}
		return ReadMADT(m, rsdp, o)
	}

	rsdp, err := FindRSDP(m)

	if err == nil {
		return ReadMADT(m, rsdp, o)
	}

	if _, ok := err.(*notFound); !ok {
		return nil, err
	}

	fp, mp, err2 := FindMP(m)

	if err2 != nil {
		if _, ok := err2.(*notFound); ok {
			return nil, fmt.Errorf("acpi: no CPU description: %v; %v", err, err2)
		}
		return nil, err2
	}

	t, err := ReadMP(m, mp, o)

	if t != nil {
		t.Via = fmt.Sprintf("MP floating pointer at %#x", fp)
	}

	return t, err
}

// notFound is a search that found no candidate at all.
type notFound struct {
	what string
}

func (e *notFound) Error() string {
	return e.what
}

// ReadImage reads a gzip-compressed dump of physical memory from base (for
// example QEMU's `pmemsave 0 1048576 "dump.bin"`, then gzip), as the host
// tests keep them in testdata.
func ReadImage(r io.Reader, base uint64) (Image, error) {
	z, err := gzip.NewReader(r)

	if err != nil {
		return Image{}, fmt.Errorf("acpi: memory dump: %v", err)
	}

	b, err := io.ReadAll(z)

	if err != nil {
		return Image{}, fmt.Errorf("acpi: memory dump: %v", err)
	}

	return Image{Base: base, Data: b}, nil
}
