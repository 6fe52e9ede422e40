// x86 firmware CPU tables
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package acpi

import (
	"fmt"
	"strings"
)

// Where firmware leaves its tables in the first MiB (ACPI 6.5, 5.2.5.1
// Finding the RSDP on IA-PC Systems; MP 1.4, 4 MP Configuration Table): the
// real-mode segment of the Extended BIOS Data Area is the 16-bit word at
// 0x40E of the BIOS Data Area, and the BIOS read-only area is
// 0xE0000-0xFFFFF.
const (
	ebdaPointer = 0x40e
	biosStart   = 0xe0000
	biosEnd     = 0x100000
	baseMemTop  = 0xa0000 // end of conventional memory (640 KiB)
)

// RSDP is the Root System Description Pointer (ACPI 6.5, 5.2.5.3).
type RSDP struct {
	Addr     uint64 // where it was found
	Revision uint8
	RSDT     uint32
	XSDT     uint64 // revision 2 and later
}

const (
	rsdpV1Len  = 20
	rsdpV2Len  = 36
	sdtHdrLen  = 36 // ACPI 6.5, 5.2.6 System Description Table Header
	madtHdrLen = sdtHdrLen + 8
)

// regions returns the areas to search for a firmware pointer: the first
// KiB of the EBDA (or, when the BDA names none, the last KiB of
// conventional memory, as the MP specification asks) and the BIOS area. A
// BDA that cannot be read (TamaGo leaves page 0 unmapped) names no EBDA.
func regions(m Memory, withBaseTop bool) (r [][2]uint64) {
	var w [2]byte
	var seg uint64

	if m.ReadAt(w[:], ebdaPointer) == nil {
		seg = uint64(le.Uint16(w[:])) << 4
	}

	if seg >= 0x1000 && seg < baseMemTop {
		r = append(r, [2]uint64{seg, seg + 1024})
	} else if withBaseTop {
		r = append(r, [2]uint64{baseMemTop - 1024, baseMemTop})
	}

	return append(r, [2]uint64{biosStart, biosEnd})
}

// scan looks for sig on 16-byte boundaries in the search regions and
// returns the candidates' addresses.
func scan(m Memory, sig string, withBaseTop bool) (found []uint64, err error) {
	for _, r := range regions(m, withBaseTop) {
		b := make([]byte, r[1]-r[0])

		if err := m.ReadAt(b, r[0]); err != nil {
			return nil, fmt.Errorf("acpi: searching %#x-%#x for %q: %v", r[0], r[1], sig, err)
		}

		for off := 0; off+len(sig) <= len(b); off += 16 {
			if string(b[off:off+len(sig)]) == sig {
				found = append(found, r[0]+uint64(off))
			}
		}
	}

	return
}

// FindRSDP searches the EBDA and the BIOS area for the RSDP ("RSD PTR " on
// a 16-byte boundary with good checksums). A candidate with a bad checksum
// is skipped; if no candidate is good, the error names the first one.
func FindRSDP(m Memory) (*RSDP, error) {
	cands, err := scan(m, "RSD PTR ", false)

	if err != nil {
		return nil, err
	}

	var first error

	for _, addr := range cands {
		r, err := readRSDP(m, addr)

		if err == nil {
			return r, nil
		}

		if first == nil {
			first = err
		}
	}

	if first != nil {
		return nil, first
	}

	return nil, &notFound{"no ACPI RSDP (\"RSD PTR \") in the EBDA or 0xe0000-0xfffff"}
}

// ReadRSDP reads and checks the RSDP at addr (for a boot protocol that
// passes its address, such as the PVH start_info rsdp_paddr).
func ReadRSDP(m Memory, addr uint64) (*RSDP, error) {
	if !strings.HasPrefix(string(tryRead(m, addr, 8)), "RSD PTR ") {
		return nil, errorf("RSDP", addr, 0, "no \"RSD PTR \" signature")
	}
	return readRSDP(m, addr)
}

func readRSDP(m Memory, addr uint64) (*RSDP, error) {
	b, err := read(m, "RSDP", addr, rsdpV1Len)

	if err != nil {
		return nil, err
	}

	if s := sum(b); s != 0 {
		return nil, errorf("RSDP", addr, 8, "checksum of the first %d bytes is %#x, want 0", rsdpV1Len, s)
	}

	r := &RSDP{
		Addr:     addr,
		Revision: b[15],
		RSDT:     le.Uint32(b[16:]),
	}

	if r.Revision < 2 {
		return r, nil
	}

	if b, err = read(m, "RSDP", addr, rsdpV2Len); err != nil {
		return nil, err
	}

	if n := le.Uint32(b[20:]); n < rsdpV2Len || n > 4096 {
		return nil, errorf("RSDP", addr, 20, "length %d, want %d..4096 for revision %d", n, rsdpV2Len, r.Revision)
	} else if b, err = read(m, "RSDP", addr, int(n)); err != nil {
		return nil, err
	}

	if s := sum(b); s != 0 {
		return nil, errorf("RSDP", addr, 32, "extended checksum of %d bytes is %#x, want 0", len(b), s)
	}

	r.XSDT = le.Uint64(b[24:])

	return r, nil
}

// readSDT reads the ACPI table at addr, checks its signature, length and
// checksum and returns it whole.
func readSDT(m Memory, addr uint64, sig, name string) ([]byte, error) {
	if addr == 0 {
		return nil, errorf(name, addr, -1, "null table address")
	}

	h, err := read(m, name, addr, sdtHdrLen)

	if err != nil {
		return nil, err
	}

	if got := string(h[:4]); got != sig {
		return nil, errorf(name, addr, 0, "signature %q, want %q", got, sig)
	}

	n := le.Uint32(h[4:])

	if n < sdtHdrLen || n > MaxTableSize {
		return nil, errorf(name, addr, 4, "length %d, want %d..%d", n, sdtHdrLen, MaxTableSize)
	}

	b, err := read(m, name, addr, int(n))

	if err != nil {
		return nil, err
	}

	if s := sum(b); s != 0 {
		return nil, errorf(name, addr, 9, "checksum of %d bytes is %#x, want 0", n, s)
	}

	return b, nil
}

// FindMADT follows the RSDP to the XSDT (revision 2 and later, if not
// null) or the RSDT, and returns the address of the MADT ("APIC") and how
// it was found.
func FindMADT(m Memory, r *RSDP) (addr uint64, via string, err error) {
	name, root, width := "RSDT", uint64(r.RSDT), 4

	if r.Revision >= 2 && r.XSDT != 0 {
		name, root, width = "XSDT", r.XSDT, 8
	}

	via = fmt.Sprintf("RSDP at %#x -> %s at %#x", r.Addr, name, root)

	b, err := readSDT(m, root, name[:4], name)

	if err != nil {
		return 0, via, err
	}

	entries := b[sdtHdrLen:]

	if len(entries)%width != 0 {
		return 0, via, errorf(name, root, 4, "length %d leaves %d bytes after its %d-byte entries", len(b), len(entries)%width, width)
	}

	for off := 0; off < len(entries); off += width {
		var p uint64

		if width == 8 {
			p = le.Uint64(entries[off:])
		} else {
			p = uint64(le.Uint32(entries[off:]))
		}

		var sig [4]byte

		if err := m.ReadAt(sig[:], p); err != nil {
			return 0, via, errorf(name, root, sdtHdrLen+off, "entry %d points at %#x: %v", off/width, p, err)
		}

		if string(sig[:]) == "APIC" {
			return p, via, nil
		}
	}

	return 0, via, &notFound{fmt.Sprintf("acpi: %s at %#x: no MADT (\"APIC\") among its %d tables", name, root, len(entries)/width)}
}

// MADT interrupt controller structure types and flags (ACPI 6.5, 5.2.12).
const (
	madtLocalAPIC   = 0 // 5.2.12.2 Processor Local APIC Structure, 8 bytes
	madtLocalX2APIC = 9 // 5.2.12.12 Processor Local x2APIC Structure, 16 bytes

	madtEnabled       = 1 << 0 // Local APIC Flags, Table 5.37
	madtOnlineCapable = 1 << 1
)

// ReadMADT finds the MADT from the RSDP and returns its CPUs.
func ReadMADT(m Memory, r *RSDP, o Options) (*Table, error) {
	addr, via, err := FindMADT(m, r)

	if err != nil {
		return nil, err
	}

	t, err := ParseMADT(m, addr, o)

	if t != nil {
		t.Via = via
	}

	return t, err
}

// ParseMADT reads the MADT at addr and returns its Local APIC and Local
// x2APIC entries. Entries that are neither enabled nor online capable are
// left out (ACPI: "the processor is not usable", e.g. a slot of a
// `maxcpus` larger than the CPUs present on firmware that predates the
// Online Capable flag).
func ParseMADT(m Memory, addr uint64, o Options) (*Table, error) {
	const name = "MADT"

	b, err := readSDT(m, addr, "APIC", name)

	if err != nil {
		return nil, err
	}

	if len(b) < madtHdrLen {
		return nil, errorf(name, addr, 4, "length %d, want at least %d", len(b), madtHdrLen)
	}

	t := &Table{Name: name, Addr: addr, LAPIC: uint64(le.Uint32(b[sdtHdrLen:]))}
	entries := 0

	for off := madtHdrLen; off < len(b); {
		if len(b)-off < 2 {
			return nil, errorf(name, addr, off, "%d byte left after the last entry, an entry header is 2", len(b)-off)
		}

		typ, n := b[off], int(b[off+1])

		if n < 2 || off+n > len(b) {
			return nil, errorf(name, addr, off, "entry type %d, length %d: runs past the table end %#x", typ, n, len(b))
		}

		e := b[off : off+n]
		c := CPU{Offset: off}
		var flags uint32

		switch typ {
		case madtLocalAPIC:
			if n < 8 {
				return nil, errorf(name, addr, off, "Local APIC entry of %d bytes, want 8", n)
			}
			c.UID, c.APICID, flags = uint32(e[2]), uint32(e[3]), le.Uint32(e[4:])
		case madtLocalX2APIC:
			if n < 16 {
				return nil, errorf(name, addr, off, "Local x2APIC entry of %d bytes, want 16", n)
			}
			c.APICID, flags, c.UID = le.Uint32(e[4:]), le.Uint32(e[8:]), le.Uint32(e[12:])
			c.X2APIC = true
		default:
			off += n
			continue
		}

		off += n
		entries++

		c.Enabled = flags&madtEnabled != 0
		// Online Capable is reserved (zero) when Enabled is set
		c.OnlineCapable = !c.Enabled && flags&madtOnlineCapable != 0

		if c.Enabled || c.OnlineCapable {
			t.CPUs = append(t.CPUs, c)
		}
	}

	return t, o.check(t, entries)
}
