// aarch64 support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

//go:build tamago && arm64

#include "textflag.h"

// SMC Calling Convention (DEN0028): function ID in W0, arguments in X1-X3,
// result in X0; X4-X17 may be clobbered, which ABI0 allows.
//
// func psci_call(hvc bool, fn, a1, a2, a3 uint64) int64
TEXT ·psci_call(SB),NOSPLIT,$0-48
	MOVBU	hvc+0(FP), R9
	MOVD	fn+8(FP), R0
	MOVD	a1+16(FP), R1
	MOVD	a2+24(FP), R2
	MOVD	a3+32(FP), R3
	CBNZ	R9, hvc
	SMC	$0
	B	done
hvc:
	HVC	$0
done:
	MOVD	R0, ret+40(FP)
	RET
