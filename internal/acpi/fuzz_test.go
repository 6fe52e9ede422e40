// x86 firmware CPU tables
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package acpi

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tamago-smp/kernel/linker"
)

// The fuzz targets mutate the real dumps of testdata through patches, not
// whole 1 MiB images, so that the mutations reach the table entries. A
// fuzz input is
//
//	dump index, flags, then patches: anchor, offset (2 bytes, big endian), n, n bytes
//
// each patch writing its bytes at anchor + offset, the anchors being the
// dump's tables (rsdp ... mpc) and the areas searched (bda, bios, bios2).
// Unless flags bit 0 is set the tables' checksums are then made good, so
// that the mutations get past them.
const (
	rsdpAnchor = iota
	xsdtAnchor
	rsdtAnchor
	madtAnchor
	mpfAnchor
	mpcAnchor
	bdaAnchor
	biosAnchor
	bios2Anchor
	anchors

	keepSums = 1 << 0
)

// fuzzDump is a dump with the addresses of its tables.
type fuzzDump struct {
	Image
	at [anchors]uint64
}

var fuzzDumps struct {
	once sync.Once
	l    []*fuzzDump
}

// dumps loads every dump of testdata once.
func dumps(tb testing.TB) []*fuzzDump {
	fuzzDumps.once.Do(func() {
		names, _ := filepath.Glob("testdata/microvm-*.bin.gz")
		for _, name := range names {
			name = strings.TrimSuffix(strings.TrimPrefix(filepath.Base(name), "microvm-"), ".bin.gz")
			tbl := locate(tb, name)
			r, err := FindRSDP(tbl.m)
			if err != nil {
				tb.Fatal(err)
			}
			fp, cfg, err := FindMP(tbl.m)
			if err != nil {
				tb.Fatal(err)
			}
			fuzzDumps.l = append(fuzzDumps.l, &fuzzDump{tbl.m, [anchors]uint64{
				tbl.rsdp, tbl.xsdt, uint64(r.RSDT), tbl.madt, fp, cfg, 0x400, biosStart, biosStart + 0x10000,
			}})
		}
	})
	if len(fuzzDumps.l) == 0 {
		tb.Fatal("no memory dump in testdata")
	}
	return fuzzDumps.l
}

// seedAll adds, for every dump, an input without patches and one with each
// of patches.
func seedAll(f *testing.F, patches ...[]byte) {
	for i := range dumps(f) {
		f.Add([]byte{byte(i), 0})
		for _, p := range patches {
			f.Add(append([]byte{byte(i), 0}, p...))
		}
	}
}

// patched applies the patches of input to its dump, in place, and
// returns it with the function that undoes them; nil if input is too
// short or above 1 MiB.
func patched(input []byte) (*fuzzDump, func()) {
	l := fuzzDumps.l
	if len(input) < 2 || len(input) > 1<<20 {
		return nil, nil
	}
	d, flags := l[int(input[0])%len(l)], input[1]

	type saved struct {
		addr uint64
		old  []byte
	}
	var undo []saved
	write := func(addr uint64, b []byte) {
		if addr >= uint64(len(d.Data)) {
			return
		}
		b = b[:min(uint64(len(b)), uint64(len(d.Data))-addr)]
		undo = append(undo, saved{addr, slices.Clone(d.Data[addr : addr+uint64(len(b))])})
		copy(d.Data[addr:], b)
	}

	for p := input[2:]; len(p) >= 4; {
		at, off, n := d.at[int(p[0])%anchors], uint64(p[1])<<8|uint64(p[2]), int(p[3])
		p = p[4:]
		n = min(n, len(p))
		write(at+off, p[:n])
		p = p[n:]
	}

	if flags&keepSums == 0 {
		// fix writes the checksum byte at addr+at making the n bytes at
		// addr sum to 0.
		fix := func(addr uint64, n uint64, at uint64) {
			if n <= at || addr+n > uint64(len(d.Data)) {
				return
			}
			b := d.Data[addr : addr+n]
			write(addr+at, []byte{b[at] - sum(b)})
		}
		u32 := func(addr uint64) uint64 {
			if addr+4 > uint64(len(d.Data)) {
				return 0
			}
			return uint64(le.Uint32(d.Data[addr:]))
		}
		for _, a := range []int{madtAnchor, xsdtAnchor, rsdtAnchor} {
			if n := u32(d.at[a] + 4); n <= MaxTableSize {
				fix(d.at[a], n, 9)
			}
		}
		fix(d.at[rsdpAnchor], rsdpV1Len, 8)
		if n := u32(d.at[rsdpAnchor] + 20); n <= 4096 {
			fix(d.at[rsdpAnchor], n, 32)
		}
		fix(d.at[mpcAnchor], u32(d.at[mpcAnchor]+4)&0xffff, 7)
		fix(d.at[mpfAnchor], mpfLen, 10)
	}

	return d, func() {
		for i := len(undo) - 1; i >= 0; i-- {
			copy(d.Data[undo[i].addr:], undo[i].old)
		}
	}
}

// guard is the dump as a [Memory] that fails the test on a read longer
// than any table and counts the reads outside the dump: a parser that
// accepts a table after one of those used bytes it did not have.
type guard struct {
	Image
	t       *testing.T
	outside int
}

func (g *guard) ReadAt(p []byte, addr uint64) error {
	if len(p) > MaxTableSize {
		g.t.Fatalf("read of %d bytes at %#x, more than the largest table, %d", len(p), addr, MaxTableSize)
	}
	err := g.Image.ReadAt(p, addr)
	if err != nil {
		g.outside++
	}
	return err
}

// checkErr fails t unless err is an [Error] naming a table, its address
// and an offset within the largest table (-1: the table as a whole), or a
// search that found nothing.
func checkErr(t *testing.T, err error) {
	t.Helper()
	var e *Error
	var nf *notFound
	switch {
	case errors.As(err, &e):
		if e.Table == "" || e.Offset < -1 || e.Offset >= MaxTableSize || !strings.HasPrefix(err.Error(), "acpi: "+e.Table+" at ") {
			t.Fatalf("error %q: table %q, offset %d", err, e.Table, e.Offset)
		}
	case errors.As(err, &nf), strings.HasPrefix(err.Error(), "acpi: no CPU description: "):
	default:
		t.Fatalf("error %q names no table", err)
	}
}

// checkTable checks the table a parser accepted: it lies in memory, its
// entries lie in it, in order, past its header, and it lists no APIC ID
// twice and between 1 and linker.MaxCPUs enabled CPUs.
func checkTable(t *testing.T, g *guard, tab *Table) {
	t.Helper()
	if g.outside > 0 {
		t.Fatalf("%s accepted after %d reads outside memory", tab.Where(), g.outside)
	}

	hdr, n, entry := madtHdrLen, uint64(0), func(off int) int { return mpcCPULen }
	if tab.Name == "MADT" {
		entry = func(off int) int { return int(g.Data[tab.Addr+uint64(off)+1]) }
	} else {
		hdr = mpcHdrLen
	}
	if tab.Addr+8 <= uint64(len(g.Data)) {
		n = uint64(le.Uint32(g.Data[tab.Addr+4:]))
		if tab.Name != "MADT" {
			n &= 0xffff
		}
	}
	if n < uint64(hdr) || tab.Addr+n > uint64(len(g.Data)) {
		t.Fatalf("%s of %d bytes accepted, memory ends at %#x", tab.Where(), n, len(g.Data))
	}

	seen := map[uint32]bool{}
	prev := 0
	for _, c := range tab.CPUs {
		if c.Offset < hdr || c.Offset < prev || c.Offset+2 > int(n) || c.Offset+entry(c.Offset) > int(n) {
			t.Fatalf("%s of %d bytes: CPU entry at offset %#x (after %#x) runs outside it", tab.Where(), n, c.Offset, prev)
		}
		prev = c.Offset + 1
		if seen[c.APICID] {
			t.Fatalf("%s lists APIC ID %#x twice", tab.Where(), c.APICID)
		}
		seen[c.APICID] = true
		if c.Enabled == c.OnlineCapable {
			t.Fatalf("%s: entry at offset %#x: enabled %v, online capable %v", tab.Where(), c.Offset, c.Enabled, c.OnlineCapable)
		}
	}
	if e := tab.Enabled(); e < 1 || e > linker.MaxCPUs {
		t.Fatalf("%s accepted with %d enabled CPUs, want 1..%d", tab.Where(), e, linker.MaxCPUs)
	}
}

// inAreas reports whether addr is a 16-byte aligned address of the areas
// searched for the RSDP and the MP floating pointer.
func inAreas(addr uint64) bool {
	return addr%16 == 0 && (addr >= biosStart && addr < biosEnd || addr >= 0x1000 && addr < baseMemTop)
}

var fuzzOptions = Options{MaxCPUs: linker.MaxCPUs}

// FuzzRSDP reads the RSDP at its address and searches for it, then follows
// it to the MADT through the XSDT or the RSDT.
func FuzzRSDP(f *testing.F) {
	seedAll(f,
		[]byte{rsdpAnchor, 0, 15, 1, 0},                      // revision 0: the RSDT
		[]byte{rsdpAnchor, 0, 24, 8, 0, 0, 0, 0, 0, 0, 0, 0}, // null XSDT
		[]byte{xsdtAnchor, 0, 4, 1, 44},                      // one entry
		[]byte{xsdtAnchor, 0, 36, 1, 0x10},                   // an entry points elsewhere
		[]byte{bdaAnchor, 0, 0x0e, 2, 0, 0x9f},               // an EBDA at 0x9f000
	)

	f.Fuzz(func(t *testing.T, input []byte) {
		d, undo := patched(input)
		if d == nil {
			return
		}
		defer undo()

		g := &guard{Image: d.Image, t: t}
		r, err := ReadRSDP(g, d.at[rsdpAnchor])
		if err != nil {
			checkErr(t, err)
		} else if addr, _, err := FindMADT(g, r); err != nil {
			checkErr(t, err)
		} else if g.outside > 0 || addr+4 > uint64(len(d.Data)) || string(d.Data[addr:addr+4]) != "APIC" {
			t.Fatalf("FindMADT = %#x after %d reads outside memory", addr, g.outside)
		}

		r, err = FindRSDP(g)
		if err != nil {
			checkErr(t, err)
			return
		}
		if !inAreas(r.Addr) {
			t.Fatalf("RSDP found at %#x, outside the areas searched", r.Addr)
		}
		if again, err := ReadRSDP(g, r.Addr); err != nil || *again != *r {
			t.Fatalf("RSDP found at %#x: %+v, read again: %+v, %v", r.Addr, r, again, err)
		}
	})
}

// FuzzMADT parses the MADT, and finds it from the start.
func FuzzMADT(f *testing.F) {
	seedAll(f,
		[]byte{madtAnchor, 0, 48, 1, 0},                   // entry 0 disabled
		[]byte{madtAnchor, 0, 47, 1, 1},                   // APIC ID 1 twice
		[]byte{madtAnchor, 0, 44, 2, madtLocalX2APIC, 16}, // an x2APIC entry
		[]byte{madtAnchor, 0, 4, 1, 60},                   // shorter
	)

	f.Fuzz(func(t *testing.T, input []byte) {
		d, undo := patched(input)
		if d == nil {
			return
		}
		defer undo()

		g := &guard{Image: d.Image, t: t}
		if tab, err := ParseMADT(g, d.at[madtAnchor], fuzzOptions); err != nil {
			checkErr(t, err)
		} else {
			checkTable(t, g, tab)
		}

		g = &guard{Image: d.Image, t: t}
		if tab, err := Find(g, fuzzOptions); err != nil {
			checkErr(t, err)
		} else {
			g.outside = 0 // the search skips candidates it cannot read
			checkTable(t, g, tab)
		}
	})
}

// FuzzMP parses the MP configuration table, searches for the floating
// pointer, and finds the CPUs without an RSDP.
func FuzzMP(f *testing.F) {
	seedAll(f,
		[]byte{mpcAnchor, 0, 44 + 3, 1, 0},        // entry 0 disabled
		[]byte{mpcAnchor, 0, 44 + 20 + 1, 1, 0},   // APIC ID 0 twice
		[]byte{mpcAnchor, 0, 4, 2, 74, 0},         // half an entry
		[]byte{mpfAnchor, 0, 4, 4, 0, 0xfc, 9, 0}, // the table elsewhere
	)

	f.Fuzz(func(t *testing.T, input []byte) {
		d, undo := patched(input)
		if d == nil {
			return
		}
		defer undo()

		g := &guard{Image: d.Image, t: t}
		if tab, err := ReadMP(g, d.at[mpcAnchor], fuzzOptions); err != nil {
			checkErr(t, err)
		} else {
			checkTable(t, g, tab)
		}

		// without its RSDP the machine is described by the MP table
		rsdp := d.at[rsdpAnchor]
		d.Data[rsdp] ^= 0xff
		defer func() { d.Data[rsdp] ^= 0xff }()

		fp, _, err := FindMP(g)
		if err == nil && !inAreas(fp) {
			t.Fatalf("MP floating pointer found at %#x, outside the areas searched", fp)
		}
		if tab, err := Find(g, fuzzOptions); err != nil {
			checkErr(t, err)
		} else {
			g.outside = 0 // the search skips candidates it cannot read
			checkTable(t, g, tab)
		}
	})
}
