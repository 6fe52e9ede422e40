// Per-CPU data support
// https://github.com/tamago-smp/kernel
//
// Use of this source code is governed by the license
// that can be found in the LICENSE file.

package percpu

// regFault panics for a per-CPU access whose register check failed: the
// register is 0, the areas are not initialized, or the register points
// elsewhere. The assembly fast paths jump to it (a tail call, so the panic
// shows the accessor's caller).
func regFault() {
	panic(regError(readReg()))
}

// regError explains why the per-CPU register value reg does not point at an
// initialized area.
func regError(reg uintptr) error {
	name := regName()

	switch {
	case naive:
		// No register: the single area is current once initialized.
		return newError(ErrNotInitialized, "areas not initialized (InitInPlace/Init)")
	case reg == 0 && !initialized.Load():
		return newError(ErrRegister, "%s is 0 on this CPU: register never set (InitReg); areas not initialized (InitInPlace/Init)", name)
	case reg == 0:
		return newError(ErrRegister, "%s is 0 on this CPU: register never set (InitReg)", name)
	case !initialized.Load():
		return newError(ErrNotInitialized, "areas not initialized (InitInPlace/Init); %s=%#x", name, reg)
	}

	return newError(ErrRegister, "%s=%#x is not the base of a per-CPU area (%d areas at %#x, %d bytes apart)",
		name, reg, areas.num, uintptr(areas.base), areas.stride)
}
