// x86 firmware CPU tables
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package acpi

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tamago-smp/kernel/linker"
)

// The testdata blobs are the first MiB of guest memory of QEMU 7.2 microvm
// (`-machine microvm,pic=off -cpu max -m 2G`, firmware qboot) with the -smp
// value in the file name, saved with the QEMU monitor:
//
//	(echo stop; echo 'pmemsave 0 1048576 "microvm-smp4.bin"'; echo quit) |
//		qemu-system-x86_64 ... -smp 4 -nographic -monitor stdio -serial none
//	gzip -9 microvm-smp4.bin
//
// (after about a second of running, once qboot built the tables).

func load(t testing.TB, name string) Image {
	t.Helper()

	f, err := os.Open("testdata/microvm-" + name + ".bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	m, err := ReadImage(f, 0)
	if err != nil {
		t.Fatal(err)
	}

	if len(m.Data) != 1<<20 {
		t.Fatalf("%s: %d bytes, want the first MiB", name, len(m.Data))
	}

	return m
}

func ids(t *Table) (s []uint32) {
	for _, c := range t.CPUs {
		if c.Enabled {
			s = append(s, c.APICID)
		}
	}
	return
}

func seq(n int) (s []uint32) {
	for i := 0; i < n; i++ {
		s = append(s, uint32(i))
	}
	return
}

// TestMicrovm reads the CPUs of every dumped topology from the MADT and from
// the MP table.
func TestMicrovm(t *testing.T) {
	for _, tc := range []struct {
		name string
		madt []uint32 // enabled APIC IDs in the MADT, in order
		mp   []uint32 // enabled APIC IDs in the MP table
	}{
		{"smp1", seq(1), seq(1)},
		{"smp4", seq(4), seq(4)},
		{"smp4-s2c2", seq(4), seq(4)},
		// 2 threads per core, 2 cores per socket: no gaps
		{"smp8-s2c2t2", seq(8), seq(8)},
		// 3 cores per socket: the core field is 2 bits wide, so socket
		// 1 starts at APIC ID 4. qboot's MP table numbers CPUs 0..n-1
		// all the same: it is wrong here, the MADT is right.
		{"smp6-s2c3", []uint32{0, 1, 2, 4, 5, 6}, seq(6)},
		{"smp6-s1c3t2", seq(6), seq(6)},
		// 8 possible CPUs, 4 present: the other 4 MADT entries have
		// no flag set and describe no CPU
		{"smp4-max8", seq(4), seq(4)},
		{"smp64", seq(64), seq(64)},
		{"smp80", seq(80), seq(80)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := load(t, tc.name)

			tab, err := Find(m, Options{})
			if err != nil {
				t.Fatal(err)
			}

			if tab.Name != "MADT" || !strings.HasPrefix(tab.Via, "RSDP at 0xf3490 -> XSDT at ") {
				t.Errorf("found %s via %s, want the MADT via the RSDP at 0xf3490 and the XSDT", tab.Where(), tab.Via)
			}

			if got := ids(tab); !slices.Equal(got, tc.madt) {
				t.Errorf("MADT APIC IDs %v, want %v", got, tc.madt)
			}

			if tab.LAPIC != 0xfee00000 {
				t.Errorf("MADT local APIC at %#x, want 0xfee00000", tab.LAPIC)
			}

			fp, cfg, err := FindMP(m)
			if err != nil {
				t.Fatal(err)
			}

			if fp != 0x9fc00 {
				t.Errorf("MP floating pointer at %#x, want 0x9fc00 (last KiB of base memory, no EBDA)", fp)
			}

			mp, err := ReadMP(m, cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}

			if got := ids(mp); !slices.Equal(got, tc.mp) {
				t.Errorf("MP table APIC IDs %v, want %v", got, tc.mp)
			}

			for i, c := range mp.CPUs {
				if c.Boot != (i == 0) {
					t.Errorf("MP table entry %d (APIC ID %d): BP flag %v, want it on the first entry only", i, c.APICID, c.Boot)
				}
			}
		})
	}
}

// tables locates the RSDP, XSDT and MADT of a dump.
type tables struct {
	m                Image
	rsdp, xsdt, madt uint64
}

func locate(t testing.TB, name string) tables {
	t.Helper()

	m := load(t, name)

	r, err := FindRSDP(m)
	if err != nil {
		t.Fatal(err)
	}

	madt, _, err := FindMADT(m, r)
	if err != nil {
		t.Fatal(err)
	}

	return tables{m, r.Addr, r.XSDT, madt}
}

func (tb tables) u32(addr uint64) uint32 {
	return le.Uint32(tb.m.Data[addr:])
}

// fix recomputes the checksum at byte sumAt of the n-byte table at addr.
func (tb tables) fix(addr uint64, n int, sumAt int) {
	b := tb.m.Data[addr : addr+uint64(n)]
	b[sumAt] = 0
	b[sumAt] = -sum(b)
}

func (tb tables) fixMADT() {
	tb.fix(tb.madt, int(tb.u32(tb.madt+4)), 9)
}

// install writes an ACPI table at addr, checksummed, and points the XSDT's
// MADT entry at it.
func (tb *tables) install(addr uint64, table []byte) {
	le.PutUint32(table[4:], uint32(len(table)))
	copy(tb.m.Data[addr:], table)
	tb.fix(addr, len(table), 9)

	x := tb.m.Data[tb.xsdt : tb.xsdt+uint64(tb.u32(tb.xsdt+4))]
	for off := sdtHdrLen; off < len(x); off += 8 {
		if le.Uint64(x[off:]) == tb.madt {
			le.PutUint64(x[off:], addr)
		}
	}
	tb.fix(tb.xsdt, len(x), 9)
	tb.madt = addr
}

// madtWith builds a MADT with the given interrupt controller entries.
func madtWith(entries ...[]byte) []byte {
	b := make([]byte, madtHdrLen)
	copy(b, "APIC")
	b[8] = 5
	le.PutUint32(b[sdtHdrLen:], 0xfee00000)

	for _, e := range entries {
		b = append(b, e...)
	}
	return b
}

func lapic(uid, id uint8, flags uint32) []byte {
	return []byte{madtLocalAPIC, 8, uid, id, byte(flags), byte(flags >> 8), byte(flags >> 16), byte(flags >> 24)}
}

func x2apic(id, flags, uid uint32) []byte {
	e := make([]byte, 16)
	e[0], e[1] = madtLocalX2APIC, 16
	le.PutUint32(e[4:], id)
	le.PutUint32(e[8:], flags)
	le.PutUint32(e[12:], uid)
	return e
}

// TestMADTEntries covers what the dumps lack: Local x2APIC entries, the
// Online Capable flag and entries of other types between the CPUs.
func TestMADTEntries(t *testing.T) {
	tb := locate(t, "smp4")
	ioapic := []byte{1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0}

	tb.install(0x1000, madtWith(
		lapic(0, 0, madtEnabled),
		ioapic,
		lapic(1, 2, madtEnabled),
		lapic(2, 3, 0),                 // not present: left out
		lapic(3, 4, madtOnlineCapable), // hot-pluggable
		x2apic(0x100, madtEnabled, 4),
		x2apic(0x101, madtOnlineCapable, 5),
	))

	tab, err := Find(tb.m, Options{})
	if err != nil {
		t.Fatal(err)
	}

	want := []CPU{
		{APICID: 0, UID: 0, Enabled: true, Offset: 44},
		{APICID: 2, UID: 1, Enabled: true, Offset: 64},
		{APICID: 4, UID: 3, OnlineCapable: true, Offset: 80},
		{APICID: 0x100, UID: 4, X2APIC: true, Enabled: true, Offset: 88},
		{APICID: 0x101, UID: 5, X2APIC: true, OnlineCapable: true, Offset: 104},
	}

	if !slices.Equal(tab.CPUs, want) {
		t.Errorf("MADT CPUs\n%+v\nwant\n%+v", tab.CPUs, want)
	}

	if n := tab.Enabled(); n != 3 {
		t.Errorf("%d enabled CPUs, want 3", n)
	}
}

// TestBroken feeds tables broken in one way each: every error names the
// table, its address and the offset of what is wrong.
func TestBroken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dump  string
		opt   Options
		spoil func(tb *tables)
		want  string
	}{
		{
			name: "memory ends inside the MADT",
			dump: "smp4",
			spoil: func(tb *tables) {
				// a copy of the MADT at the end of memory, cut after 50 bytes
				n := uint64(tb.u32(tb.madt + 4))
				madt := slices.Clone(tb.m.Data[tb.madt : tb.madt+n])
				tb.m.Data = append(tb.m.Data, make([]byte, n)...)
				tb.install(1<<20, madt)
				tb.m.Data = tb.m.Data[:1<<20+50]
			},
			want: "acpi: MADT at 0x100000: cannot read 106 bytes: 0x100000-0x10006a is outside memory 0x0-0x100032",
		},
		{
			name: "MADT shorter than its last entry",
			dump: "smp4",
			spoil: func(tb *tables) {
				le.PutUint32(tb.m.Data[tb.madt+4:], 72)
				tb.fix(tb.madt, 72, 9)
			},
			want: "acpi: MADT at 0xeff28, offset 0x44: entry type 0, length 8: runs past the table end 0x48",
		},
		{
			name:  "MADT checksum",
			dump:  "smp4",
			spoil: func(tb *tables) { tb.m.Data[tb.madt+44+3] ^= 0x10 },
			want:  "acpi: MADT at 0xeff28, offset 0x9: checksum of 106 bytes is 0x10, want 0",
		},
		{
			name:  "RSDP checksum",
			dump:  "smp4",
			spoil: func(tb *tables) { tb.m.Data[tb.rsdp+16] ^= 1 },
			want:  "acpi: RSDP at 0xf3490, offset 0x8: checksum of the first 20 bytes is 0x1, want 0",
		},
		{
			name: "XSDT points nowhere",
			dump: "smp4",
			spoil: func(tb *tables) {
				le.PutUint64(tb.m.Data[tb.rsdp+24:], 0x200000)
				tb.fix(tb.rsdp, 36, 32)
			},
			want: "acpi: XSDT at 0x200000: cannot read 36 bytes: 0x200000-0x200024 is outside memory 0x0-0x100000",
		},
		{
			name: "zero CPUs",
			dump: "smp4",
			spoil: func(tb *tables) {
				for off := uint64(44); off < 44+4*8; off += 8 {
					tb.m.Data[tb.madt+off+4] = 0
				}
				tb.fixMADT()
			},
			want: "acpi: MADT at 0xeff28: no enabled CPU among its 4 processor entries",
		},
		{
			name: "duplicate APIC ID",
			dump: "smp6-s2c3",
			spoil: func(tb *tables) {
				tb.m.Data[tb.madt+44+3*8+3] = 1 // the 4th CPU claims APIC ID 1
				tb.fixMADT()
			},
			want: "acpi: MADT at 0xeff28, offset 0x44: APIC ID 0x1 listed again (first at offset 0x34)",
		},
		{
			name: "more CPUs than supported",
			dump: "smp80",
			opt:  Options{MaxCPUs: linker.MaxCPUs},
			want: fmt.Sprintf("acpi: MADT at 0xefce8: 80 enabled CPUs, at most %d supported", linker.MaxCPUs),
		},
		{
			name: "no RSDP, MP table checksum",
			dump: "smp4",
			spoil: func(tb *tables) {
				tb.m.Data[tb.rsdp] = 'X'
				tb.m.Data[0x9fc10+44+1] = 9
			},
			want: "acpi: MP table at 0x9fc10, offset 0x7: checksum of 276 bytes is 0x9, want 0",
		},
		{
			name: "no RSDP, MP table truncated",
			dump: "smp4",
			spoil: func(tb *tables) {
				tb.m.Data[tb.rsdp] = 'X'
				le.PutUint16(tb.m.Data[0x9fc10+4:], 44+20+10) // half a processor entry
				tb.fix(0x9fc10, 74, 7)
			},
			want: "acpi: MP table at 0x9fc10, offset 0x40: entry 1 (type 0, 20 bytes) runs past the table end 0x4a",
		},
		{
			name: "no RSDP, MP floating pointer checksum",
			dump: "smp4",
			spoil: func(tb *tables) {
				tb.m.Data[tb.rsdp] = 'X'
				tb.m.Data[0x9fc00+4] ^= 0x40
			},
			want: "acpi: MP floating pointer at 0x9fc00, offset 0xa: checksum of 16 bytes is 0x40, want 0",
		},
		{
			name: "neither table",
			dump: "smp4",
			spoil: func(tb *tables) {
				tb.m.Data[tb.rsdp] = 'X'
				tb.m.Data[0x9fc00] = 'X'
				// qboot keeps a copy of "_MP_" in its code, off the 16-byte grid
				if i := bytes.Index(tb.m.Data[biosStart:], []byte("_MP_")); i >= 0 && i%16 == 0 {
					tb.m.Data[biosStart+i] = 'X'
				}
			},
			want: "acpi: no CPU description: no ACPI RSDP",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := locate(t, tc.dump)

			if tc.spoil != nil {
				tc.spoil(&tb)
			}

			tab, err := Find(tb.m, tc.opt)

			if err == nil {
				t.Fatalf("found %s with CPUs %v, want error %q", tab.Where(), ids(tab), tc.want)
			}

			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n%v\nwant\n%s", err, tc.want)
			}
		})
	}
}

// TestMPFallback: without an RSDP the MP table describes the CPUs.
func TestMPFallback(t *testing.T) {
	tb := locate(t, "smp4")
	tb.m.Data[tb.rsdp] = 'X'

	tab, err := Find(tb.m, Options{})
	if err != nil {
		t.Fatal(err)
	}

	if tab.Where() != "MP table at 0x9fc10" || tab.Via != "MP floating pointer at 0x9fc00" {
		t.Errorf("found %s via %s, want the MP table at 0x9fc10 via the floating pointer at 0x9fc00", tab.Where(), tab.Via)
	}

	if got := ids(tab); !slices.Equal(got, seq(4)) {
		t.Errorf("APIC IDs %v, want %v", got, seq(4))
	}
}

func TestImage(t *testing.T) {
	m := Image{Base: 0x1000, Data: make([]byte, 16)}
	var b [4]byte

	for _, tc := range []struct {
		addr uint64
		ok   bool
	}{
		{0x1000, true}, {0x100c, true}, {0x100d, false}, {0xfff, false}, {1<<64 - 2, false},
	} {
		if err := m.ReadAt(b[:], tc.addr); (err == nil) != tc.ok {
			t.Errorf("ReadAt(4 bytes, %#x) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
	}
}

// TestGivenRSDP: a boot protocol that passes the RSDP address skips the
// search; a wrong address is an error, not a search.
func TestGivenRSDP(t *testing.T) {
	tb := locate(t, "smp6-s2c3")

	tab, err := Find(tb.m, Options{RSDP: tb.rsdp})
	if err != nil {
		t.Fatal(err)
	}

	if got, want := ids(tab), []uint32{0, 1, 2, 4, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("APIC IDs %v, want %v", got, want)
	}

	want := "acpi: RSDP at 0xf3480, offset 0x0: no \"RSD PTR \" signature"
	if _, err := Find(tb.m, Options{RSDP: tb.rsdp - 16}); err == nil || err.Error() != want {
		t.Errorf("RSDP given 16 bytes too low: error %v, want %s", err, want)
	}
}

// TestNoBDA: memory whose first page cannot be read (TamaGo leaves it
// unmapped) still finds the MP table in the last KiB of base memory.
func TestNoBDA(t *testing.T) {
	tb := locate(t, "smp4")
	tb.m.Data[tb.rsdp] = 'X'

	if _, _, err := FindMP(noPage0{tb.m}); err != nil {
		t.Fatal(err)
	}
}

type noPage0 struct{ Image }

func (m noPage0) ReadAt(p []byte, addr uint64) error {
	if addr < 0x1000 {
		return fmt.Errorf("%#x: page 0 is not mapped", addr)
	}
	return m.Image.ReadAt(p, addr)
}
