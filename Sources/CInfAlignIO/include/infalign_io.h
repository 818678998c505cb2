#ifndef INFALIGN_IO_H
#define INFALIGN_IO_H
// C helpers of the infalign executable: removal of temporary output files on fatal signals, and (jsonl.cpp) the
// simdjson-backed JSONL record parser. Plain C ABI; every failure is a status code, never an abort.

#include <stdbool.h>
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

// ---- JSONL records (simdjson) -------------------------------------------------------------------------------

/// The array fields of a record, in this order: reference_rewards, rewards, policy_logprobs, reference_logprobs,
/// old_logprobs (`infalign ctrl`'s PPO ratio). Bit i of a parser's `fields` asks for field i.
enum { INFALIGN_JSONL_FIELDS = 5 };
enum { INFALIGN_JSONL_ID_STRING = 1, INFALIGN_JSONL_ID_NUMBER = 2, INFALIGN_JSONL_ID_DOUBLE = 3 };

typedef struct infalign_jsonl_parser infalign_jsonl_parser;

/// One parsed line. Pointers stay valid until the next parse with the same parser.
typedef struct {
  /// INFALIGN_JSONL_ID_STRING: `id` is the unescaped UTF-8 string; _NUMBER: `id` is the integer's decimal digits;
  /// _DOUBLE: the id is the non-integer number `id_number`.
  int id_kind;
  const char *id;
  size_t id_length;
  double id_number;
  int present[INFALIGN_JSONL_FIELDS];
  const double *values[INFALIGN_JSONL_FIELDS];
  size_t counts[INFALIGN_JSONL_FIELDS];
} infalign_jsonl_record;

/// Bytes that must be readable after the end of every line passed to `infalign_jsonl_parse`.
size_t infalign_jsonl_padding(void);

/// A parser reusing its memory across lines, reading the array fields whose bit is set in `fields` (the others are
/// ignored like any unknown field); NULL when memory is short.
infalign_jsonl_parser *infalign_jsonl_parser_create(unsigned fields);
void infalign_jsonl_parser_destroy(infalign_jsonl_parser *parser);

/// Parses one line (`line[length .. length + padding)` must be readable). Returns 0 and fills `record`, or 1 with
/// a one-line reason in `message`: invalid JSON or UTF-8, not an object, a duplicate or missing "id", an array
/// field that is not an array of numbers (naming the element). Other fields are ignored. Never throws or aborts.
int infalign_jsonl_parse(infalign_jsonl_parser *parser, const char *line, size_t length,
                         infalign_jsonl_record *record, char *message, size_t capacity);

// ---- Shortest round-trip formatting --------------------------------------------------------------------------

/// The Swift runtime's formatter behind `Double.description` (exported by libswiftCore): writes the shortest
/// digits that round-trip, exactly as `"\(x)"` prints them, and returns their length (at most 32 with a buffer of
/// 32 bytes).
unsigned long long swift_float64ToString(char *buffer, size_t length, double value, bool debug);

#ifdef __cplusplus
}
#endif

#endif
