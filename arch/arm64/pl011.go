// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

package arm64

// PL011 registers (Arm PrimeCell UART (PL011) Technical Reference Manual,
// 3.2 Summary of registers, 3.3.3 Flag Register).
const (
	UARTDR      = 0x000 // data
	UARTFR      = 0x018 // flags
	UARTFR_TXFF = 5     // transmit FIFO full
)

// defined in pl011.s
func pl011_tx(base uint64, c byte)

// PL011Tx writes c to the PL011 UART at base once its transmit FIFO has
// room. QEMU's PL011 transmits without any programming, like the one of
// firmware that already set a console up. It allocates nothing and is safe
// from any CPU (characters of concurrent writers interleave).
//
//go:nosplit
func PL011Tx(base uint64, c byte) {
	pl011_tx(base, c)
}
