#ifndef INFALIGN_IO_H
#define INFALIGN_IO_H
// C helpers of the infalign executable: removal of temporary output files on fatal signals, and (jsonl.cpp) the
// simdjson-backed JSONL record parser. Plain C ABI; every failure is a status code, never an abort.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- Temporary files removed on SIGINT, SIGTERM and SIGHUP --------------------------------------------------

/// Registers `path` to be unlinked if the process receives SIGINT, SIGTERM or SIGHUP before it is unregistered
/// (the handler then restores the default action and re-raises, so the exit status still says "killed by signal").
/// Installs the handlers on first use. Returns a slot (>= 0), or -1 when all slots are taken or memory is short.
int infalign_cleanup_register(const char *path);

/// Forgets a slot returned by `infalign_cleanup_register` (does not unlink). Signals are blocked meanwhile, so the
/// handler never sees a half-freed path.
void infalign_cleanup_unregister(int slot);

// ---- Numbers -------------------------------------------------------------------------------------------------

/// Parses the whole of `text[0..<length]` as a decimal floating-point number in the C locale (strtod syntax).
/// Returns 1 and stores the value when all bytes were consumed, 0 otherwise (empty, trailing bytes, overflow to
/// ±inf is still returned with 1: the caller checks finiteness).
int infalign_parse_double(const char *text, size_t length, double *value);

#ifdef __cplusplus
}
#endif

#endif
