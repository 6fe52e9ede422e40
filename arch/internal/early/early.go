// Shared board support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

// Package early holds what the ports share before the Go runtime runs (no
// g, no heap, a small stack): the RAM check against a device tree. Every
// function is nosplit, allocates nothing and cannot panic.
package early

import (
	"unsafe"

	"github.com/tamago-smp/kernel/internal/fdt"
)

// LineSize is the size of the buffer of [RAM]'s report line.
const LineSize = 192

// RAM is the RAM check of a port whose firmware passes a device tree,
// before the Go runtime runs. It checks that the RAM the tree at address
// dtb describes holds [start, need), goos.RamStart to RamStart + RamSize,
// where the runtime puts its heap and the boot CPU's stack: the RAM found
// is the run of /memory ranges (Devicetree Specification v0.4, 3.4) that
// starts with the one holding start, range after adjacent range. The
// runtime writes from the end of its image to need, so the tree itself must
// also lie below image, any address of the kernel image, or at need and
// above (QEMU puts it below the image on arm64 virt, at the top of RAM on
// riscv64 virt).
//
// It returns nil if the RAM passes, or if there is no device tree at dtb
// ([Blob]). Otherwise it returns the line to print, written into buf,
// without a line end, named by port:
//
//	arm64: RAM too small: the device tree's RAM at 0x40000000 ends at 0x50000000, the kernel needs it up to 0x80000000 (RamStart + RamSize)
//	riscv64: RAM too small: the device tree has no RAM at 0x80000000, the kernel needs it up to 0xbfe00000 (RamStart + RamSize)
//	riscv64: RAM: the device tree at 0xbfe00000 lies in the kernel's RAM, which ends at 0xc0000000 (RamStart + RamSize)
//
//go:nosplit
func RAM(buf *[LineSize]byte, port string, dtb uintptr, start, need, image uint64) []byte {
	b := Blob(dtb)
	if b == nil {
		return nil
	}
	return ram(buf, port, b, uint64(dtb), start, need, image)
}

// Blob returns the device tree at address dtb as a slice of its totalsize,
// nil if there is none there (0, not 8-byte aligned, no magic, a size
// outside fdt.HeaderSize to fdt.MaxSize).
//
//go:nosplit
func Blob(dtb uintptr) []byte {
	if dtb == 0 || dtb%8 != 0 {
		return nil
	}

	hdr := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), dtb)), fdt.HeaderSize)
	if be32(hdr, 0) != fdt.Magic {
		return nil
	}
	size := be32(hdr, 4)
	if size < fdt.HeaderSize || size > fdt.MaxSize {
		return nil
	}

	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(nil), dtb)), size)
}

// ram is [RAM] for the blob b at address at.
//
//go:nosplit
func ram(buf *[LineSize]byte, port string, b []byte, at, start, need, image uint64) []byte {
	end := start
	for {
		e, ok := fdt.RAMEnd(b, end)
		if !ok || e <= end {
			break
		}
		end = e
	}

	l := line{buf: buf}
	l.str(port)

	switch {
	case end == start:
		l.str(": RAM too small: the device tree has no RAM at ")
		l.hex(start)
	case end < need:
		l.str(": RAM too small: the device tree's RAM at ")
		l.hex(start)
		l.str(" ends at ")
		l.hex(end)
	case at < need && at+uint64(len(b)) > image:
		l.str(": RAM: the device tree at ")
		l.hex(at)
		l.str(" lies in the kernel's RAM, which ends at ")
		l.hex(need)
		l.str(" (RamStart + RamSize)")
		return l.bytes()
	default:
		return nil
	}

	l.str(", the kernel needs it up to ")
	l.hex(need)
	l.str(" (RamStart + RamSize)")

	return l.bytes()
}

// line is a report line being written into a fixed buffer; what does not
// fit is cut.
type line struct {
	buf *[LineSize]byte
	n   int
}

//go:nosplit
func (l *line) str(s string) {
	for i := 0; i < len(s); i++ {
		l.byte(s[i])
	}
}

// hex writes 0x and v in lower-case hexadecimal, without leading zeros.
//
//go:nosplit
func (l *line) hex(v uint64) {
	l.str("0x")
	n := 1
	for n < 16 && v>>(4*n) != 0 {
		n++
	}
	for i := n - 1; i >= 0; i-- {
		l.byte("0123456789abcdef"[v>>(4*i)&0xf])
	}
}

//go:nosplit
func (l *line) byte(c byte) {
	if l.n < len(l.buf) {
		l.buf[l.n] = c
		l.n++
	}
}

//go:nosplit
func (l *line) bytes() []byte {
	return l.buf[:l.n]
}

// be32 returns the big-endian 32-bit value at b[i:].
//
//go:nosplit
func be32(b []byte, i int) uint32 {
	return uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
}
