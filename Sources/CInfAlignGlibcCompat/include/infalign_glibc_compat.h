// The --wrap targets of the wheel build (hypot_compat.c): hidden, not part of the C ABI, called by no one directly.
// Nothing imports this module; the target exists so libInfAlignC links hypot_compat.c.
#ifndef INFALIGN_GLIBC_COMPAT_H
#define INFALIGN_GLIBC_COMPAT_H

#if defined(__linux__) && defined(__x86_64__)
__attribute__((visibility("hidden"))) double __wrap_hypot(double x, double y);
__attribute__((visibility("hidden"))) float __wrap_hypotf(float x, float y);
#endif

#endif
