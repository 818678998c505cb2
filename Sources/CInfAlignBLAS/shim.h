#ifndef INFALIGN_CBLAS_SHIM_H
#define INFALIGN_CBLAS_SHIM_H
// One header over the system's CBLAS (OpenBLAS) and LAPACKE. Include paths come from pkg-config (`openblas`);
// lapacke.h lives in the default include directory on Debian.
#include <cblas.h>
#include <lapacke.h>
#endif
