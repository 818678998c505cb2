// hypot and hypotf at their first glibc symbol version, for the wheel (`make wheel`, README "Install").
//
// Nothing in the library calls hypot, but swift-numerics' RealModule does: Double.hypot and Float.hypot (the
// RealFunctions conformances, linked in whole with their witness tables) call libm's hypot/hypotf through
// _NumericsShims. An unversioned reference binds the newest version of the glibc it is linked against, and glibc 2.35
// added hypot@GLIBC_2.35 and hypotf@GLIBC_2.35 (the SVID error-handling wrapper dropped), so on a glibc >= 2.35
// machine the library would need 2.35 for these two symbols alone. The wheel build links libInfAlignC with
// `-Xlinker --wrap=hypot -Xlinker --wrap=hypotf`, which sends every reference to hypot/hypotf to the __wrap_
// functions below; they call hypot@GLIBC_2.2.5 and hypotf@GLIBC_2.2.5, which every x86_64 glibc has. It links
// with lld (`-use-ld=lld`): gold, Swift's default linker on Linux, applies --wrap=hypot to the versioned reference
// hypot@GLIBC_2.2.5 as well, so __wrap_hypot would call itself forever; lld and ld.bfd leave it alone. `make
// wheel` checks the result: hypot and hypotf imported at GLIBC_2.2.5, nothing above GLIBC_2.34.
//
// On glibc >= 2.35 the old symbols are the compat wrappers over the same __ieee754_hypot(f) as the new ones: the
// same results, bit for bit, and the same errno (ERANGE on overflow from finite arguments); compared on 40 million
// argument pairs and the special values (README, "Install"). Older glibc has only the old symbol, with its own
// implementation, as for every libm function.
//
// Without --wrap (every other build) these functions are never referenced. They are hidden: not part of the C ABI.
#include "infalign_glibc_compat.h"
#include <math.h>

#if defined(__linux__) && defined(__x86_64__) && defined(__GLIBC__)

__asm__(".symver infalign_hypot_glibc_2_2_5, hypot@GLIBC_2.2.5");
__asm__(".symver infalign_hypotf_glibc_2_2_5, hypotf@GLIBC_2.2.5");
double infalign_hypot_glibc_2_2_5(double x, double y);
float infalign_hypotf_glibc_2_2_5(float x, float y);

double __wrap_hypot(double x, double y) { return infalign_hypot_glibc_2_2_5(x, y); }
float __wrap_hypotf(float x, float y) { return infalign_hypotf_glibc_2_2_5(x, y); }

#else
// Elsewhere the wheel is not built (it is x86_64 glibc only); an empty translation unit is not ISO C.
typedef int infalign_glibc_compat_unused;
#endif
