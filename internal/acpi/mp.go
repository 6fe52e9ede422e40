// x86 firmware CPU tables
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package acpi

// MP floating pointer and configuration table layout (Intel MultiProcessor
// Specification 1.4, 4.1 MP Floating Pointer Structure, 4.2 MP
// Configuration Table Header, 4.3.1 Processor Entries).
const (
	mpfLen      = 16
	mpcHdrLen   = 44
	mpcCPU      = 0 // processor entry, 20 bytes
	mpcCPULen   = 20
	mpcOtherLen = 8 // bus, I/O APIC, I/O and local interrupt entries

	mpCPUEnabled = 1 << 0 // CPU flags: EN
	mpCPUBoot    = 1 << 1 // CPU flags: BP
)

// FindMP searches the EBDA (or the last KiB of conventional memory) and the
// BIOS area for the MP floating pointer ("_MP_" with a good checksum) and
// returns its address and that of the MP configuration table it points to.
func FindMP(m Memory) (fp, cfg uint64, err error) {
	const name = "MP floating pointer"

	cands, err := scan(m, "_MP_", true)

	if err != nil {
		return 0, 0, err
	}

	var first error

	for _, addr := range cands {
		b, err := read(m, name, addr, mpfLen)

		if err != nil {
			return 0, 0, err
		}

		if n := b[8]; n != 1 {
			first = firstErr(first, errorf(name, addr, 8, "length %d paragraphs, want 1", n))
			continue
		}

		if s := sum(b); s != 0 {
			first = firstErr(first, errorf(name, addr, 10, "checksum of %d bytes is %#x, want 0", mpfLen, s))
			continue
		}

		if cfg := b[11]; cfg != 0 {
			return 0, 0, errorf(name, addr, 11, "default configuration %d (no configuration table) is not supported", cfg)
		}

		p := uint64(le.Uint32(b[4:]))

		if p == 0 {
			return 0, 0, errorf(name, addr, 4, "null configuration table address")
		}

		return addr, p, nil
	}

	if first != nil {
		return 0, 0, first
	}

	return 0, 0, &notFound{"no MP floating pointer (\"_MP_\") in the EBDA, the last KiB of base memory or 0xe0000-0xfffff"}
}

func firstErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// ReadMP finds the MP configuration table and returns its CPUs.
func ReadMP(m Memory, addr uint64, o Options) (*Table, error) {
	const name = "MP table"

	h, err := read(m, name, addr, mpcHdrLen)

	if err != nil {
		return nil, err
	}

	if got := string(h[:4]); got != "PCMP" {
		return nil, errorf(name, addr, 0, "signature %q, want \"PCMP\"", got)
	}

	n := int(le.Uint16(h[4:]))

	if n < mpcHdrLen {
		return nil, errorf(name, addr, 4, "base table length %d, want at least %d", n, mpcHdrLen)
	}

	b, err := read(m, name, addr, n)

	if err != nil {
		return nil, err
	}

	if s := sum(b); s != 0 {
		return nil, errorf(name, addr, 7, "checksum of %d bytes is %#x, want 0", n, s)
	}

	t := &Table{Name: name, Addr: addr, LAPIC: uint64(le.Uint32(b[36:]))}
	// The entries fill the base table. Its entry count is not used:
	// qboot, QEMU microvm's firmware, leaves it 0, and Linux also walks
	// the table by its length (arch/x86/kernel/mpparse.c, smp_read_mpc).
	entries := 0

	for i, off := 0, mpcHdrLen; off < n; i++ {
		typ, size := b[off], mpcOtherLen

		if typ == mpcCPU {
			size = mpcCPULen
		} else if typ > 4 {
			return nil, errorf(name, addr, off, "entry %d has unknown type %d", i, typ)
		}

		if off+size > n {
			return nil, errorf(name, addr, off, "entry %d (type %d, %d bytes) runs past the table end %#x", i, typ, size, n)
		}

		if typ == mpcCPU {
			entries++
			flags := b[off+3]
			c := CPU{
				APICID:  uint32(b[off+1]),
				Enabled: flags&mpCPUEnabled != 0,
				Boot:    flags&mpCPUBoot != 0,
				Offset:  off,
			}

			// a disabled processor entry describes no usable CPU
			if c.Enabled {
				t.CPUs = append(t.CPUs, c)
			}
		}

		off += size
	}

	return t, o.check(t, entries)
}
